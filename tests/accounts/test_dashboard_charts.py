"""The dashboard's charts: receivables by how late they are, and each integration's last 30 days
of records pushed, pulled and failed, with the same numbers as text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.integrations.models import Integration
from apps.invoices.models import Invoice
from apps.invoices.receivables import receivables_by_age
from apps.sync.models import SyncLogEntry
from apps.sync.reporting import sync_activity
from tests.accounts.conftest import JUST_AFTER_MIDNIGHT_UTC
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

NOW = JUST_AFTER_MIDNIGHT_UTC  # 9 March, 22:30 in New York
TODAY = dt.date(2026, 3, 9)


def _invoice(org, days_overdue, total="100.00", paid="0", status=Invoice.Status.SENT):
    due = TODAY - dt.timedelta(days=days_overdue) if days_overdue is not None else None
    return InvoiceFactory(
        organisation=org,
        status=status,
        due_date=due,
        total=Decimal(total),
        amount_paid=Decimal(paid),
    )


def test_receivables_are_bucketed_by_days_past_due_in_the_organisations_today(new_york):
    _invoice(new_york, -3)  # due in 3 days
    _invoice(new_york, 0, total="50.00")  # due today (New York's), not overdue
    _invoice(new_york, None, total="10.00")  # no due date: current
    _invoice(new_york, 1, total="200.00", paid="80.00", status=Invoice.Status.PARTIALLY_PAID)
    _invoice(new_york, 30)
    _invoice(new_york, 31)
    _invoice(new_york, 60)
    _invoice(new_york, 61, total="300.00")
    _invoice(new_york, 90)
    _invoice(new_york, 91, total="999.99")
    _invoice(new_york, 400)
    _invoice(new_york, 200, status=Invoice.Status.PAID)  # paid: owed nothing
    _invoice(new_york, 200, status=Invoice.Status.DRAFT)  # never sent: not owed yet
    receivables = receivables_by_age(organisation=new_york)
    assert [(b.label, b.count, b.amount) for b in receivables.buckets] == [
        ("Current", 3, Decimal("160.00")),
        ("1–30 days", 2, Decimal("220.00")),
        ("31–60 days", 2, Decimal("200.00")),
        ("61–90 days", 2, Decimal("400.00")),
        ("90+ days", 2, Decimal("1099.99")),
    ]
    chart = receivables.chart
    tallest = max(chart.bars, key=lambda bar: bar.segments[0].height)
    assert tallest.label == "90+ days" and chart.top >= Decimal("1099.99")
    assert receivables.owed == Decimal("2079.99")


def _entry(integration, outcome, when):
    entry = SyncLogEntry.objects.create(
        integration=integration, kind="invoice", object_id=1, direction="push", outcome=outcome
    )
    SyncLogEntry.objects.filter(pk=entry.pk).update(created_at=when)


def test_sync_activity_counts_each_integrations_records_per_new_york_day(new_york):
    qbo = Integration.objects.create(organisation=new_york, provider="quickbooks")
    xero = Integration.objects.create(organisation=new_york, provider="xero")
    _entry(qbo, "pushed", NOW)  # 9 March in New York, 10 March in UTC
    _entry(qbo, "pushed", NOW - dt.timedelta(hours=1))
    _entry(qbo, "failed", NOW)
    _entry(qbo, "skipped", NOW)  # unchanged: not activity
    _entry(qbo, "held_back", NOW)
    _entry(xero, "pulled", dt.datetime(2026, 2, 8, 12, 0, tzinfo=dt.UTC))  # 30th day back
    _entry(xero, "pulled", dt.datetime(2026, 2, 7, 12, 0, tzinfo=dt.UTC))  # 31 days: too old
    activity = {row.integration.provider: row for row in sync_activity(organisation=new_york)}
    quickbooks = activity["quickbooks"]
    assert len(quickbooks.days) == 30 and quickbooks.days[-1][0] == TODAY
    assert quickbooks.days[-1][1] == {"pushed": 2, "failed": 1}
    assert quickbooks.totals == {"pushed": 2, "pulled": 0, "failed": 1}
    assert activity["xero"].days[0] == (dt.date(2026, 2, 8), {"pulled": 1})
    assert activity["xero"].totals["pulled"] == 1


def test_dashboard_shows_both_charts_with_their_numbers_as_text(new_york, as_alice):
    _invoice(new_york, 45, total="1234.50")
    qbo = Integration.objects.create(organisation=new_york, provider="quickbooks")
    _entry(qbo, "pushed", NOW)
    page = as_alice.get(reverse("dashboard")).content.decode()
    assert "Receivables by age" in page and "31–60 days" in page and "1,234.50" in page
    assert "Sync activity, last 30 days" in page and "1 pushed" in page
    assert page.count('aria-hidden="true" focusable="false"') == 2  # the drawings, not the text
    assert "Mon 9 Mar" in page  # the day's numbers, in New York's days


def test_dashboard_queries_do_not_grow_with_sync_activity(new_york, as_alice):
    qbo = Integration.objects.create(organisation=new_york, provider="quickbooks")
    _entry(qbo, "pushed", NOW)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            as_alice.get(reverse("dashboard"))
        return len(captured)

    few = queries()
    xero = Integration.objects.create(organisation=new_york, provider="xero")
    for days in range(20):
        _entry(xero, "pulled", NOW - dt.timedelta(days=days))
        _entry(qbo, "failed", NOW - dt.timedelta(days=days))
    assert queries() == few


def test_dashboard_says_nothing_is_owed_instead_of_an_empty_chart(new_york, as_alice):
    page = as_alice.get(reverse("dashboard")).content.decode()
    assert "Nothing is owed" in page and 'data-testid="ages-chart"' not in page


def test_an_integration_without_activity_says_so(new_york, as_alice):
    Integration.objects.create(organisation=new_york, provider="xero")
    page = as_alice.get(reverse("dashboard")).content.decode()
    assert "Nothing synced in the last 30 days." in page
    assert 'data-testid="activity-chart"' not in page
