"""In a real browser, a new user connects QuickBooks and then Xero as a guided choice: what
connecting will do and the options, the provider's consent page, the preview of the first sync
with its figures, then Start, and the first sync does what the preview said."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest

from apps.customers.models import Customer
from apps.integrations.models import Integration, Provider
from apps.invoices.models import Invoice
from apps.invoices.services import payment_record
from apps.sandbox.models import SandboxCompany
from apps.sandbox.quickbooks.seed import INVOICES as QBO_SAMPLE_INVOICES
from apps.sync.models import Change, Link
from apps.sync.push import drain
from tests.browser.conftest import SCREENSHOTS
from tests.browser.conftest import log_in as _log_in
from tests.browser.test_integrations_browser import consent_new_company
from tests.sync.conftest import Hub

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _hub_before_connecting(organisation) -> None:
    """4 invoices in progress for 3 customers, and 3 paid ones (paid before any ledger was
    connected, as the hub takes payments itself only then)."""
    hub = Hub(organisation)
    ann = hub.customer("Ann Guided", "ann.guided@example.com")
    bob = hub.customer("Bob Guided", "bob.guided@example.com")
    cat = hub.customer("Cat Guided", "cat.guided@example.com")
    for customer in (ann, ann, bob, cat):
        hub.invoice(customer)
    for _ in range(3):
        paid = hub.invoice(bob)
        payment_record(invoice=paid, amount=paid.total)


def _choose_and_consent(page, base, provider, company_name, *, checks=(), unchecks=()):
    page.goto(f"{base}/settings/integrations/")
    page.get_by_test_id(f"connect-{provider}").click()
    page.wait_for_url(lambda url: url.endswith(f"/settings/integrations/{provider}/connect/"))
    for name in checks:
        page.check(f"input[name={name}]")
    for name in unchecks:
        page.uncheck(f"input[name={name}]")
    page.screenshot(path=str(SCREENSHOTS / f"connect-options-{provider}.png"), full_page=True)
    page.get_by_test_id("continue-to-provider").click()
    consent_new_company(page, company_name)
    page.screenshot(path=str(SCREENSHOTS / f"first-sync-preview-{provider}.png"), full_page=True)


def _figures(page) -> dict[str, int]:
    figures = {}
    for item in page.locator("[data-testid=first-sync-preview] li[data-key]").all():
        figures[item.get_attribute("data-key")] = int(item.locator(".figure").inner_text())
    return figures


@contextmanager
def _tasks_run_inline():
    """The live server runs the first sync's tasks in the request (no worker in this test)."""
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


def _start(page, provider: str) -> None:
    with _tasks_run_inline():
        page.get_by_test_id("start-first-sync").click()
        page.wait_for_url(lambda url: url.endswith("/settings/integrations/"), timeout=180_000)
    page.screenshot(path=str(SCREENSHOTS / f"first-sync-started-{provider}.png"), full_page=True)
    assert "has started" in page.content()


def _sent_what_waits(integration) -> None:
    """What the providers' per-minute limits held over (the test's minute lasts 2 s) is sent
    as the worker would send it a moment later."""
    deadline = time.monotonic() + 60
    waiting = Change.objects.filter(integration=integration, state=Change.State.PENDING)
    while waiting.exists() and time.monotonic() < deadline:
        time.sleep(1)
        drain(integration)
    assert not waiting.exists()


def _linked(integration, kind: str) -> int:
    return Link.objects.filter(integration=integration, kind=kind).count()


def _remote_customers(integration) -> int:
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
    records = company.records.filter(entity="Customer", deleted=False)
    return sum(1 for record in records if record.data.get("Active", True))


def _hub_invoices(organisation, *statuses: str) -> int:
    return Invoice.objects.filter(organisation=organisation, status__in=statuses).count()


def test_a_new_user_connects_both_ledgers_choosing_options_previews_and_starts(
    browser_page, sandbox, alice, organisation, settings
):
    settings.SANDBOX_RATE_WINDOW_SECONDS = 2  # the providers' "minute", shortened
    _hub_before_connecting(organisation)
    page = browser_page
    _log_in(page, sandbox, alice.username)

    # QuickBooks: Import historical invoices and review automation on, the rest as preselected.
    _choose_and_consent(
        page,
        sandbox,
        Provider.QUICKBOOKS,
        "Guided Books US",
        checks=["import_historical_invoices", "review_automation"],
    )
    qbo = Integration.objects.get(organisation=organisation, provider=Provider.QUICKBOOKS)
    assert qbo.review_automation and qbo.import_historical_invoices
    assert qbo.waiting_for_start and not _linked(qbo, "customer")  # nothing moved yet
    figures = _figures(page)
    assert figures == {
        "customers_added": _remote_customers(qbo),  # the sample company's customers
        "invoices_imported": len(QBO_SAMPLE_INVOICES),  # all issued before today
        "customers_sent": 3,
        "invoices_sent": 4,
        "invoices_paid_held": 3,
    }
    text = page.locator("[data-testid=first-sync-preview]").inner_text()
    assert f"{figures['customers_added']} customers will be added" in text
    assert "4 invoices in progress will be sent" in text
    assert "3 paid or partly paid invoices held back" in text

    customers_before = Customer.objects.filter(organisation=organisation).count()
    _start(page, Provider.QUICKBOOKS)
    qbo.refresh_from_db()
    assert not qbo.waiting_for_start
    # The first sync did what the preview said.
    added = Customer.objects.filter(organisation=organisation).count() - customers_before
    assert added == figures["customers_added"]
    assert Invoice.objects.filter(imported_from=qbo).count() == figures["invoices_imported"]
    _sent_what_waits(qbo)
    assert _linked(qbo, "invoice") == 4 + figures["invoices_imported"]

    # Xero: review automation on, quotes not sent. The invoices just imported from QuickBooks
    # go on to Xero like any other (through the hub): the unpaid ones sent, the paid held back.
    _choose_and_consent(
        page,
        sandbox,
        Provider.XERO,
        "Guided Xero US",
        checks=["review_automation"],
        unchecks=["quotes_sync_to"],
    )
    xero = Integration.objects.get(organisation=organisation, provider=Provider.XERO)
    assert xero.review_automation and not xero.quotes_sync_to
    assert not xero.import_historical_invoices
    figures = _figures(page)
    assert figures["invoices_sent"] == _hub_invoices(organisation, "sent") == 6
    assert figures["invoices_paid_held"] == _hub_invoices(organisation, "paid", "partially_paid")
    assert figures["customers_added"] > 0

    # Leaving the preview without clicking: connected, waiting, Start on the Integrations page.
    page.goto(f"{sandbox}/settings/integrations/")
    waiting = page.locator("#integration-xero [data-testid=first-sync-waiting]")
    assert "the first sync waits for you" in waiting.inner_text()
    assert not page.locator("#integration-quickbooks [data-testid=first-sync-waiting]").count()
    page.screenshot(path=str(SCREENSHOTS / "integrations-xero-waiting.png"), full_page=True)
    customers_before = Customer.objects.filter(organisation=organisation).count()
    _start(page, Provider.XERO)
    added = Customer.objects.filter(organisation=organisation).count() - customers_before
    assert added == figures["customers_added"]
    _sent_what_waits(xero)
    assert _linked(xero, "invoice") == figures["invoices_sent"]

    page.goto(f"{sandbox}/settings/integrations/{xero.pk}/")
    assert page.locator("input[name=review_automation]").is_checked()
    assert not page.locator("input[name=import_historical_invoices]").is_checked()
    page.screenshot(path=str(SCREENSHOTS / "integration-settings-options.png"), full_page=True)
