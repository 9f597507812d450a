"""In a real browser, an Australian organisation connects QuickBooks Online, Xero and MYOB one
after the other (choices, the provider's consent page, the preview, Start); then an invoice a
MYOB user makes in AccountRight reaches QuickBooks and Xero through the hub, once each, with
MYOB's total (docs/sync-rules.md, docs/myob.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.accounts.models import Organisation
from apps.integrations.models import Integration, Provider
from apps.invoices.models import Invoice
from tests.browser.conftest import SCREENSHOTS
from tests.browser.conftest import log_in as _log_in
from tests.browser.test_connect_guided_browser import _sent_what_waits, _start
from tests.browser.test_integrations_browser import consent_new_company
from tests.sync.test_three_ledgers import beat_pulls, someone_invoices_in_myob, totals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVIDERS = (Provider.QUICKBOOKS, Provider.XERO, Provider.MYOB)


def _connect(page, base: str, provider: str) -> Integration:
    page.goto(f"{base}/settings/integrations/")
    page.get_by_test_id(f"connect-{provider}").click()
    page.wait_for_url(lambda url: url.endswith(f"/settings/integrations/{provider}/connect/"))
    page.screenshot(path=str(SCREENSHOTS / f"au-connect-options-{provider}.png"), full_page=True)
    page.get_by_test_id("continue-to-provider").click()
    consent_new_company(page, f"Coastline {provider}", country="AU", currency="AUD")
    page.screenshot(path=str(SCREENSHOTS / f"au-first-sync-preview-{provider}.png"), full_page=True)
    integration = Integration.objects.get(provider=provider)
    assert integration.waiting_for_start and integration.currency == "AUD"
    _start(page, f"au-{provider}")
    return integration


def test_an_australian_organisation_connects_three_ledgers_and_a_myob_invoice_reaches_the_others(
    browser_page, sandbox, alice, organisation, settings
):
    settings.SANDBOX_RATE_WINDOW_SECONDS = 2  # the providers' "minute", shortened
    Organisation.objects.filter(pk=organisation.pk).update(
        country="AU", currency="AUD", time_zone="Australia/Sydney"
    )
    page = browser_page
    _log_in(page, sandbox, alice.username)

    qbo, xero, myob = (_connect(page, sandbox, provider) for provider in PROVIDERS)
    for integration in (qbo, xero, myob):
        integration.refresh_from_db()
        assert integration.is_connected and not integration.waiting_for_start
        _sent_what_waits(integration)
    page.goto(f"{sandbox}/settings/integrations/")
    page.screenshot(path=str(SCREENSHOTS / "au-three-ledgers-connected.png"), full_page=True)

    made = someone_invoices_in_myob(myob, number="MY-7001", amount=1250.0)
    beat_pulls(myob)  # MYOB has no webhooks: beat's periodic pull brings it in
    for integration in (qbo, xero, myob):
        _sent_what_waits(integration)

    invoice = Invoice.objects.get(organisation=organisation, number="MY-7001")
    assert invoice.total == Decimal(str(made["TotalAmount"])) == Decimal("1375.00")
    for integration in (qbo, xero, myob):
        assert totals(integration, "MY-7001") == [invoice.total], integration.provider
    page.goto(f"{sandbox}/invoices/{invoice.pk}/")
    page.screenshot(path=str(SCREENSHOTS / "au-myob-invoice-in-the-hub.png"), full_page=True)
    assert "MY-7001" in page.content()
    # Each ledger's copy opens in its sandbox console, MYOB's too.
    assert page.locator("a", has_text="Open in the sandbox").count() == 3
