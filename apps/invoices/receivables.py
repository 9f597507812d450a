"""Receivables by age: what customers still owe, by how many days past its due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum

from apps.common.charts import Chart, stacked_bars
from apps.common.money import ZERO, round_money

from .models import Invoice
from .services import PAYABLE

# The amount due in SQL, as ``Invoice.balance`` works it out: less payments and credit notes.
BALANCE = ExpressionWrapper(
    F("total") - F("amount_paid") - F("amount_credited"),
    output_field=DecimalField(max_digits=14, decimal_places=2),
)
# (label, first and last day overdue; None: no bound). "Current" is not due yet (or no due date).
AGES = [
    ("Current", None, 0),
    ("1–30 days", 1, 30),
    ("31–60 days", 31, 60),
    ("61–90 days", 61, 90),
    ("90+ days", 91, None),
]


@dataclass(frozen=True)
class AgeBucket:
    label: str
    amount: Decimal
    count: int


@dataclass(frozen=True)
class Receivables:
    buckets: list[AgeBucket]
    chart: Chart

    @property
    def owed(self) -> Decimal:
        return sum((bucket.amount for bucket in self.buckets), ZERO)


def _age_filter(today, first: int | None, last: int | None) -> Q:
    if first is None:  # not overdue: due today or later, or no due date at all
        return Q(due_date__gte=today) | Q(due_date__isnull=True)
    condition = Q(due_date__lte=today - timedelta(days=first))
    if last is not None:
        condition &= Q(due_date__gte=today - timedelta(days=last))
    return condition


def receivables_by_age(*, organisation) -> Receivables:
    """Sent and partly paid invoices' balances by days past their due date, counted from the
    organisation's today, in one query; with the chart of them."""
    today = organisation.today()
    aggregates = {}
    for index, (_, first, last) in enumerate(AGES):
        condition = _age_filter(today, first, last)
        aggregates[f"amount_{index}"] = Sum(BALANCE, filter=condition)
        aggregates[f"count_{index}"] = Count("id", filter=condition)
    row = Invoice.objects.filter(organisation=organisation, status__in=PAYABLE).aggregate(
        **aggregates
    )
    buckets = [
        # SQLite sums decimals as floats; round once so every database shows cents.
        AgeBucket(label, round_money(row[f"amount_{index}"] or ZERO), row[f"count_{index}"])
        for index, (label, _, _) in enumerate(AGES)
    ]
    columns = [(bucket.label, {"owed": bucket.amount}) for bucket in buckets]
    return Receivables(buckets, stacked_bars(columns, order=["owed"], height=140))
