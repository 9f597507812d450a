"""In a real browser: connect both sandboxes through their consent pages, then toggle
Sync to / Sync from per integration on Invoice Settings and Quote Settings."""

from __future__ import annotations

import pytest

from apps.integrations.models import Integration, Provider
from apps.sync.models import SyncRun
from tests.browser.conftest import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVIDERS = [Provider.QUICKBOOKS, Provider.XERO]


def _connect(page, base: str, provider: str, company_name: str) -> None:
    page.goto(f"{base}/settings/integrations/")
    page.get_by_test_id(f"connect-{provider}").click()
    page.get_by_test_id("continue-to-provider").click()  # the preselected choices
    consent_new_company(page, company_name, screenshot=f"consent-{provider}.png")
    assert f"{company_name}" in page.content()
    page.get_by_test_id("start-first-sync").click()
    page.wait_for_url(lambda url: url.endswith("/settings/integrations/"))


def consent_new_company(
    page, company_name: str, *, screenshot: str = "", country: str = "US", currency: str = "USD"
) -> None:
    """On the sandbox's consent page: approve access for a new company (a US one unless told),
    back to the preview of its first sync. MYOB's page asks no currency: a company file's
    follows its country."""
    page.wait_for_url(lambda url: "/sandbox/" in url)
    create_new = page.locator("input[name=company][value='']")
    if create_new.count():
        create_new.check()
    page.fill("input[name=new_company_name]", company_name)
    page.select_option("select[name=country]", country)
    if page.locator("input[name=currency]").count():
        page.fill("input[name=currency]", currency)
    if screenshot:
        page.screenshot(path=str(SCREENSHOTS / screenshot), full_page=True)
    page.click("button[name=action][value=approve]")
    page.wait_for_url(lambda url: url.endswith("/first-sync/"), timeout=60_000)


def _toggle(page, path: str, testid: str) -> None:
    """Click one toggle; htmx saves it and re-renders that integration's row."""
    with page.expect_response(lambda r: r.url.endswith(path) and r.request.method == "POST"):
        page.get_by_test_id(testid).click()
    provider = testid.rsplit("-", 1)[1]
    page.get_by_test_id(f"saved-{provider}").wait_for()


def _states(page, base: str, path: str) -> dict[str, bool]:
    page.goto(f"{base}{path}")
    return {
        f"{direction}-{provider}": page.get_by_test_id(f"{direction}-{provider}").is_checked()
        for direction in ("sync-to", "sync-from")
        for provider in PROVIDERS
    }


def test_staff_connect_both_sandboxes_and_set_sync_per_integration(
    browser_page, sandbox, alice, organisation
):
    page = browser_page
    log_in(page, sandbox, alice.username)
    _connect(page, sandbox, Provider.QUICKBOOKS, "Browser Books US")
    _connect(page, sandbox, Provider.XERO, "Browser Xero US")
    page.screenshot(path=str(SCREENSHOTS / "integrations-both-connected.png"), full_page=True)
    assert Integration.objects.filter(organisation=organisation, status="connected").count() == 2

    page.goto(f"{sandbox}/settings/invoices/")
    _toggle(page, "/settings/invoices/", "sync-to-quickbooks")
    _toggle(page, "/settings/invoices/", "sync-from-xero")
    invoices = _states(page, sandbox, "/settings/invoices/")
    page.screenshot(path=str(SCREENSHOTS / "invoice-settings.png"), full_page=True)

    page.goto(f"{sandbox}/settings/quotes/")
    _toggle(page, "/settings/quotes/", "sync-from-quickbooks")
    _toggle(page, "/settings/quotes/", "sync-to-xero")
    _toggle(page, "/settings/quotes/", "sync-to-xero")
    _toggle(page, "/settings/quotes/", "sync-from-xero")
    quotes = _states(page, sandbox, "/settings/quotes/")
    page.screenshot(path=str(SCREENSHOTS / "quote-settings.png"), full_page=True)

    assert invoices == {
        "sync-to-quickbooks": False,
        "sync-to-xero": True,
        "sync-from-quickbooks": True,
        "sync-from-xero": False,
    }
    assert quotes == {
        "sync-to-quickbooks": True,
        "sync-to-xero": True,
        "sync-from-quickbooks": False,
        "sync-from-xero": False,
    }
    assert _states(page, sandbox, "/settings/invoices/") == invoices  # quotes left them alone
    rows = {i.provider: i for i in Integration.objects.filter(organisation=organisation)}
    assert (rows["quickbooks"].invoices_sync_to, rows["quickbooks"].quotes_sync_from) == (
        False,
        False,
    )
    assert (rows["xero"].invoices_sync_from, rows["xero"].quotes_sync_to) == (False, True)

    page.goto(f"{sandbox}/settings/integrations/{rows['quickbooks'].pk}/")
    assert "Region: US" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "integration-settings-quickbooks.png"), full_page=True)

    page.goto(f"{sandbox}/settings/invoices/")
    page.get_by_test_id("sync-now-xero").click()
    page.wait_for_load_state()
    assert SyncRun.objects.filter(integration=rows["xero"], trigger="sync_now").count() == 1
    assert not SyncRun.objects.filter(integration=rows["quickbooks"]).exists()


def test_declining_consent_in_the_browser_explains_what_to_do(browser_page, sandbox, alice):
    page = browser_page
    log_in(page, sandbox, alice.username)
    page.goto(f"{sandbox}/settings/integrations/")
    page.get_by_test_id("connect-xero").click()
    page.get_by_test_id("continue-to-provider").click()
    page.wait_for_url(lambda url: "/sandbox/" in url)

    page.click("button[name=action][value=deny]")
    page.wait_for_url(lambda url: "/settings/integrations/xero/callback/" in url)

    text = page.content()
    page.screenshot(path=str(SCREENSHOTS / "consent-declined.png"), full_page=True)
    assert "You declined access" in text and "Click Connect again" in text
    assert not Integration.objects.exists()
