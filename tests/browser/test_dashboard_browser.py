"""In a real browser: the dashboard's receivables by age and the last 30 days of sync activity,
drawn as charts beside their numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.integrations.models import Integration
from apps.invoices.models import Invoice
from apps.sync.models import SyncLogEntry
from tests.browser.conftest import SCREENSHOTS, log_in
from tests.factories import InvoiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill(organisation):
    today = organisation.today()
    for days_overdue, total in [
        (-10, "850.00"),
        (5, "420.00"),
        (12, "180.00"),
        (45, "1200.00"),
        (75, "300.00"),
        (120, "640.00"),
    ]:
        InvoiceFactory(
            organisation=organisation,
            status=Invoice.Status.SENT,
            due_date=today - dt.timedelta(days=days_overdue),
            total=Decimal(total),
        )
    now = timezone.now()
    for provider, scale in (("quickbooks", 3), ("xero", 1)):
        integration = Integration.objects.create(organisation=organisation, provider=provider)
        entries = []
        for day in range(30):
            when = now - dt.timedelta(days=day)
            outcomes = ["pushed"] * ((day * 7 + 3) % 9 * scale) + ["pulled"] * (day % 4 * scale)
            outcomes += ["failed"] * (1 if day % 11 == 2 else 0)
            for outcome in outcomes:
                entries.append(
                    SyncLogEntry(
                        integration=integration,
                        kind="invoice",
                        object_id=1,
                        direction="push",
                        outcome=outcome,
                    )
                )
            created = SyncLogEntry.objects.bulk_create(entries)
            SyncLogEntry.objects.filter(pk__in=[e.pk for e in created]).update(created_at=when)
            entries = []


def test_dashboard_draws_receivables_and_sync_activity(browser_page, sandbox, alice, organisation):
    _fill(organisation)
    page = browser_page
    log_in(page, sandbox, alice.username)
    ages = page.get_by_test_id("receivables-by-age")
    assert ages.locator("svg rect").count() == 5
    assert "1,200.00" in ages.inner_text() and "90+ days" in ages.inner_text()
    activity = page.get_by_test_id("sync-activity")
    assert activity.locator("[data-testid=activity-chart]").count() == 2
    assert activity.get_by_test_id("activity-quickbooks").locator("rect").count() > 20
    page.screenshot(path=str(SCREENSHOTS / "dashboard-charts.png"), full_page=True)
    activity.get_by_test_id("activity-xero").locator("summary").click()
    assert activity.get_by_test_id("activity-xero").locator("tbody tr").count() > 5
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "dashboard-charts-phone.png"), full_page=True)
    ages.screenshot(path=str(SCREENSHOTS / "dashboard-ages-phone.png"))
    activity.get_by_test_id("activity-quickbooks").screenshot(
        path=str(SCREENSHOTS / "dashboard-activity-phone.png")
    )
