"""In a real browser: the Sync Log read by office staff, with records by name, coloured
outcomes, runs with their summaries, filters kept in the address (Back works) and the unchanged
rows behind a toggle."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.integrations.models import Integration
from apps.sync.models import SyncLogEntry, SyncRun
from tests.browser.conftest import SCREENSHOTS, log_in
from tests.sync.test_log_readable import make_records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOON_UTC = dt.datetime(2026, 11, 12, 17, 5, tzinfo=dt.UTC)  # 12:05 in New York


def _integration(org, provider):
    return Integration.objects.create(
        organisation=org,
        provider=provider,
        remote_company_id=f"{provider}-company",
        remote_company_name=f"{provider.title()} company",
        country="US",
        currency="USD",
    )


def _fill(organisation):
    organisation.time_zone = "America/New_York"
    organisation.save(update_fields=["time_zone"])
    records = make_records(organisation)
    qbo, xero = _integration(organisation, "quickbooks"), _integration(organisation, "xero")
    run = SyncRun.objects.create(
        integration=qbo,
        trigger=SyncRun.Trigger.SYNC_NOW,
        status=SyncRun.Status.PARTIAL,
        counts={"pushed": 3, "pulled": 1, "skipped": 2, "held_back": 1, "failed": 1},
    )
    SyncRun.objects.filter(pk=run.pk).update(started_at=NOON_UTC)
    rows = [
        (qbo, run, "customer", "pushed", "58", ""),
        (qbo, run, "invoice", "pushed", "130", ""),
        (qbo, run, "payment", "pulled", "77", ""),
        (qbo, run, "quote", "held_back", "", "Drafts are not sent."),
        (qbo, run, "time_entry", "failed", "", "Ann Lee is not mapped to a QuickBooks employee."),
        (qbo, run, "item", "skipped", "19", ""),
        (xero, None, "invoice", "retrying", "1cf1a11c", "Xero is busy (429): retrying at 12:10."),
        (xero, None, "customer", "pushed", "8275f116", ""),
    ]
    for integration, in_run, kind, outcome, remote_id, message in rows:
        entry = SyncLogEntry.objects.create(
            integration=integration,
            run=in_run,
            kind=kind,
            object_id=records[kind].pk,
            remote_id=remote_id,
            direction="pull" if outcome == "pulled" else "push",
            outcome=outcome,
            message=message,
        )
        SyncLogEntry.objects.filter(pk=entry.pk).update(created_at=NOON_UTC)


def test_staff_read_filter_and_share_the_sync_log(browser_page, sandbox, alice, organisation):
    _fill(organisation)
    page = browser_page
    log_in(page, sandbox, alice.username)
    page.goto(f"{sandbox}/sync/log/")
    text = page.inner_text("main")
    assert "INV-0007 · Thomas Green" in text
    assert "Payment of $120.00 on INV-0007" in text
    assert "Ann Lee · 3 h · 12 Nov" in text
    assert "12 Nov 2026 12:05" in text  # New York time, not 17:05 UTC
    assert "Boiler service" not in text, "unchanged rows are hidden by default"
    assert "1 unchanged record hidden" in text
    page.screenshot(path=str(SCREENSHOTS / "sync-log.png"), full_page=True)

    red = page.locator(".outcome-failed").first.evaluate("el => getComputedStyle(el).color")
    green = page.locator(".outcome-pushed").first.evaluate("el => getComputedStyle(el).color")
    assert red != green

    # A filter updates the list and the address; Back returns to the unfiltered log.
    page.select_option("select[name=outcome]", "failed")
    page.wait_for_url(lambda url: "outcome=failed" in url)
    page.wait_for_function("!document.querySelector('#entries').innerText.includes('Thomas Green')")
    assert "Ann Lee · 3 h · 12 Nov" in page.inner_text("#entries")
    page.screenshot(path=str(SCREENSHOTS / "sync-log-failed.png"), full_page=True)
    shared = page.url
    page.go_back()
    page.wait_for_url(lambda url: "outcome=failed" not in url)
    page.wait_for_function("document.querySelector('#entries').innerText.includes('INV-0007')")

    # The address alone reproduces the filtered log (shareable).
    page.goto(shared)
    assert page.locator("select[name=outcome]").input_value() == "failed"
    assert "INV-0007 · Thomas Green" not in page.inner_text("#entries")

    # Search by number, then show the unchanged rows.
    page.goto(f"{sandbox}/sync/log/?q=boiler&unchanged=on")
    assert "Boiler service" in page.inner_text("#entries")
    assert page.locator("input[name=unchanged]").is_checked()
    page.screenshot(path=str(SCREENSHOTS / "sync-log-search-unchanged.png"), full_page=True)


def test_sync_log_on_a_phone(browser_page, sandbox, alice, organisation):
    _fill(organisation)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, sandbox, alice.username)
    page.goto(f"{sandbox}/sync/log/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "sync-log-phone.png"), full_page=True)
