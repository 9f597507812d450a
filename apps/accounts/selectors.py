"""What the dashboard shows: counts, recent documents, the money still owed and how late it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum

from apps.common.charts import Chart, stacked_bars
from apps.common.money import ZERO, round_money
from apps.customers.models import Customer
from apps.invoices.models import Invoice
from apps.invoices.services import PAYABLE
from apps.quotes.models import Quote
from apps.timesheets.models import Timesheet

BALANCE = ExpressionWrapper(
    F("total") - F("amount_paid"), output_field=DecimalField(max_digits=14, decimal_places=2)
)


def dashboard_summary(*, organisation) -> dict:
    invoices = Invoice.objects.filter(organisation=organisation)
    open_invoices = invoices.filter(status__in=PAYABLE)
    owed = open_invoices.aggregate(
        outstanding=Sum(BALANCE),
        overdue=Sum(BALANCE, filter=Q(due_date__lt=organisation.today())),
        count=Count("id"),
    )
    return {
        "customers": Customer.objects.filter(
            organisation=organisation, merged_into__isnull=True
        ).count(),
        "open_quotes": Quote.objects.filter(
            organisation=organisation, status__in=(Quote.Status.DRAFT, Quote.Status.SENT)
        ).count(),
        "draft_invoices": invoices.filter(status=Invoice.Status.DRAFT).count(),
        "open_invoices": owed["count"],
        # SQLite sums decimals as floats; round once so every database shows cents.
        "outstanding": round_money(owed["outstanding"] or ZERO),
        "overdue": round_money(owed["overdue"] or ZERO),
        "timesheets_to_approve": Timesheet.objects.filter(
            organisation=organisation, status=Timesheet.Status.SUBMITTED
        ).count(),
        "recent_invoices": invoices.select_related("customer").order_by("-updated_at")[:6],
        "recent_quotes": Quote.objects.filter(organisation=organisation)
        .select_related("customer")
        .order_by("-updated_at")[:6],
    }


@dataclass(frozen=True)
class AgeBucket:
    label: str
    amount: Decimal
    count: int


# (label, first and last day overdue; None: no bound). "Current" is not due yet (or no due date).
AGES = [
    ("Current", None, 0),
    ("1–30 days", 1, 30),
    ("31–60 days", 31, 60),
    ("61–90 days", 61, 90),
    ("90+ days", 91, None),
]


def _age_filter(today, first: int | None, last: int | None) -> Q:
    if first is None:  # not overdue: due today or later, or no due date at all
        return Q(due_date__gte=today) | Q(due_date__isnull=True)
    condition = Q(due_date__lte=today - timedelta(days=first))
    if last is not None:
        condition &= Q(due_date__gte=today - timedelta(days=last))
    return condition


def receivables_by_age(*, organisation) -> tuple[list[AgeBucket], Chart]:
    """What customers still owe, by how many days past its due date (the organisation's
    today), in one query; with the chart of it."""
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
        AgeBucket(label, round_money(row[f"amount_{index}"] or ZERO), row[f"count_{index}"])
        for index, (label, _, _) in enumerate(AGES)
    ]
    chart = stacked_bars(
        [(bucket.label, {"owed": bucket.amount}) for bucket in buckets], order=["owed"], height=140
    )
    return buckets, chart
