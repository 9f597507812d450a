"""In a real browser: the connection warning banner with its Reconnect button, the Needs
attention list with its one-click Retry, and the review automation settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.integrations.models import Integration
from apps.reviews.services import review_settings_for
from apps.sync.models import Change
from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD, CustomerFactory, InvoiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_staff_see_the_warning_and_the_attention_list_and_retry_in_one_click(
    browser_page, live_server, alice, org, quickbooks
):
    page = browser_page
    Integration.objects.filter(pk=quickbooks.pk).update(
        refresh_expires_at=timezone.now() + timedelta(days=6, hours=1)
    )
    customer = CustomerFactory(organisation=org, display_name="Thomas Green")
    invoice = InvoiceFactory(organisation=org, customer=customer, number="INV-0007")
    Change.objects.create(
        integration=quickbooks,
        kind="invoice",
        object_id=invoice.pk,
        state="failed",
        last_error="Business Validation Error: the line's account is inactive.",
    )
    CustomerFactory(organisation=org, display_name="Nick Brown", email="nick@example.com")
    CustomerFactory(organisation=org, display_name="Brown, Nick", email="nick@example.com")

    _log_in(page, live_server.url, alice.username)
    page.goto(f"{live_server.url}/")
    banner = page.get_by_test_id("connection-warning-quickbooks")
    assert "runs out in 6 days" in banner.inner_text()
    assert banner.get_by_role("link", name="Reconnect QuickBooks Online").is_visible()
    attention = page.get_by_test_id("needs-attention")
    assert "INV-0007 · Thomas Green" in attention.inner_text()
    assert "Nick Brown and Brown, Nick" in attention.inner_text()
    assert attention.get_by_role("link", name="Merge").is_visible()
    assert page.get_by_test_id("connection-health").inner_text().count("Failing (1 record)") == 1
    page.screenshot(path=str(SCREENSHOTS / "needs-attention-dashboard.png"), full_page=True)

    page.goto(f"{live_server.url}/settings/integrations/")
    assert page.get_by_test_id("health-quickbooks").inner_text() == "Failing (1 record)"
    page.screenshot(path=str(SCREENSHOTS / "needs-attention-integrations.png"), full_page=True)

    page.get_by_test_id("needs-attention").get_by_role("button", name="Retry").click()
    page.wait_for_load_state()
    assert "goes to QuickBooks Online again" in page.content()
    assert "INV-0007 · Thomas Green" not in page.get_by_test_id("needs-attention").inner_text()


def test_staff_turn_review_automation_on_with_their_wording(
    browser_page, live_server, alice, quickbooks
):
    page = browser_page
    _log_in(page, live_server.url, alice.username)
    page.goto(f"{live_server.url}/settings/integrations/{quickbooks.pk}/")
    form = page.get_by_test_id("review-settings")
    form.get_by_label("Review automation").check()
    form.get_by_label("Subject").fill("How did we do, {customer}?")
    form.get_by_label("Review link").fill("https://g.page/harbour/review")
    page.screenshot(path=str(SCREENSHOTS / "review-automation-settings.png"), full_page=True)
    form.get_by_role("button", name="Save review automation").click()
    page.wait_for_url(lambda url: url.endswith(f"/settings/integrations/{quickbooks.pk}/"))

    assert "Review automation for" in page.content() and "is on" in page.content()
    quickbooks.refresh_from_db()
    assert quickbooks.review_automation
    assert review_settings_for(quickbooks).link == "https://g.page/harbour/review"


def test_sync_now_shows_its_phase_and_counts_on_a_progress_bar(
    browser_page, live_server, alice, quickbooks
):
    from apps.sync.models import SyncRun

    page = browser_page
    for object_id in (1, 2, 3):
        Change.objects.create(integration=quickbooks, kind="invoice", object_id=object_id)
    run = SyncRun.objects.create(
        integration=quickbooks, trigger="sync_now", counts={"pulled": 5, "pushed": 6, "failed": 0}
    )
    _log_in(page, live_server.url, alice.username)
    page.goto(f"{live_server.url}/sync/runs/{run.pk}/")

    progress = page.get_by_test_id("sync-progress")
    assert progress.get_attribute("data-phase") == "sending"
    assert "6 of 9 records done, 3 to go" in progress.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "sync-now-progress.png"), full_page=True)

    Change.objects.filter(integration=quickbooks).update(state="done")
    SyncRun.objects.filter(pk=run.pk).update(
        counts={"pulled": 5, "pushed": 9}, status="succeeded", finished_at=timezone.now()
    )
    page.get_by_test_id("sync-progress").and_(page.locator("[data-phase=done]")).wait_for()
    assert "Done: 5 read, 9 sent" in page.get_by_test_id("sync-progress").inner_text()


def test_the_review_request_shows_on_the_customer_page_and_in_the_sync_log(
    browser_page, live_server, alice, org, quickbooks
):
    from django.core import mail

    from apps.invoices.models import Payment
    from apps.invoices.services import payment_record
    from config.celery import app

    Integration.objects.filter(pk=quickbooks.pk).update(review_automation=True)
    quickbooks.refresh_from_db()
    customer = CustomerFactory(
        organisation=org, display_name="Thomas Green", email="tg@example.com"
    )
    invoice = InvoiceFactory(organisation=org, customer=customer, number="INV-0007", status="sent")
    app.conf.task_always_eager = True
    try:
        payment_record(
            invoice=invoice,
            amount=invoice.total,
            source=Payment.Source.INTEGRATION,
            source_integration=quickbooks,
        )
    finally:
        app.conf.task_always_eager = False
    assert [m.to for m in mail.outbox] == [["tg@example.com"]]

    page = browser_page
    _log_in(page, live_server.url, alice.username)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    line = page.get_by_test_id("review-request")
    assert "Sent" in line.inner_text() and "after INV-0007 was paid" in line.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "review-request-customer.png"), full_page=True)
    page.goto(f"{live_server.url}/sync/log/?integration={quickbooks.pk}")
    assert "Review request e-mailed to Thomas Green &lt;tg@example.com&gt; after INV-0007" in (
        page.content()
    )
    page.screenshot(path=str(SCREENSHOTS / "review-request-sync-log.png"), full_page=True)
