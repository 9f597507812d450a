"""In a real browser: the sandboxes' consent pages look like each provider's own (Intuit green,
Xero blue) and say on every view that they are the local sandbox."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BRANDS = {"quickbooks": "rgb(44, 160, 28)", "xero": "rgb(19, 181, 234)"}


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_consent_page_is_styled_as_the_provider_and_labelled_as_the_sandbox(
    browser_page, sandbox, alice, provider
):
    from apps.sandbox.companies import company_create

    company_create(provider=provider, name="Harbour Books (existing)", seed=False)
    page = browser_page
    log_in(page, sandbox, alice.username)
    page.goto(f"{sandbox}/settings/integrations/")
    page.get_by_test_id(f"connect-{provider}").click()
    page.get_by_test_id("continue-to-provider").click()  # the preselected choices
    page.wait_for_url(lambda url: "/sandbox/" in url)
    banner = page.get_by_test_id("sandbox-banner")
    assert banner.is_visible() and "Local sandbox" in banner.inner_text()
    assert page.locator(".topbar").count() == 0, "the provider's page, not the hub's"
    approve = page.locator("button[name=action][value=approve]")
    assert approve.evaluate("el => getComputedStyle(el).backgroundColor") == BRANDS[provider]
    assert "sandbox" in page.title().lower()
    assert page.get_by_text("Harbour Books (existing)").is_visible()
    page.screenshot(path=str(SCREENSHOTS / f"sandbox-consent-{provider}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / f"sandbox-consent-{provider}-phone.png"), full_page=True)
    # Pressing Enter in the name field connects (the first button is Connect, not Cancel).
    page.fill("input[name=new_company_name]", f"Enter Books {provider}")
    page.fill("input[name=currency]", "USD")
    create_new = page.locator("input[name=company][value='']")
    if create_new.count():
        create_new.check()
    page.press("input[name=new_company_name]", "Enter")
    # Connected: the preview of its first sync, which waits for Start.
    page.wait_for_url(lambda url: url.endswith("/first-sync/"), timeout=60_000)
    assert f"Enter Books {provider}" in page.content()
