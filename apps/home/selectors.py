"""What the dashboard shows: counts, recent documents and the money still owed."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from apps.common.money import ZERO, round_money
from apps.customers.models import Customer
from apps.invoices.models import Invoice
from apps.invoices.receivables import BALANCE
from apps.invoices.services import PAYABLE
from apps.quotes.models import Quote
from apps.timesheets.models import Timesheet


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
