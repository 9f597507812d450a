"""The Accounts and tax codes section of an integration's settings page, in a real browser:
staff choose an account and a tax code for a rate Xero has two codes for, and save."""

from __future__ import annotations

import pytest

from apps.integrations import reference_cache
from apps.integrations.models import AccountMapping, TaxMapping
from apps.integrations.registry import adapter_for
from apps.sandbox.tools.benchmark_data import sandbox_integration_connect
from tests.browser.conftest import SCREENSHOTS, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_map_an_account_and_an_ambiguous_rate_on_the_settings_page(
    browser_page, sandbox, alice, organisation
):
    xero = sandbox_integration_connect(organisation=organisation, provider="xero", nightly=False)
    adapter_for(xero).client.create(
        "TaxRates",
        {"Name": "City sales tax", "TaxComponents": [{"Name": "City", "Rate": "8.25"}]},
        key="city-tax",
    )
    reference_cache.forget_all(xero)
    organisation.default_tax_rate = "8.25"
    organisation.save(update_fields=["default_tax_rate"])
    page = browser_page
    log_in(page, sandbox, alice.username)

    page.goto(f"{sandbox}/settings/integrations/{xero.pk}/#account-mapping")
    section = page.locator("[data-testid=mapping]")
    assert "Suggested: Sales (200)" in section.inner_text()
    assert "Choose: 2 codes at this rate" in section.inner_text()
    page.select_option("#id_income_account", "260")
    page.select_option("#id_tax_8_25", label="City sales tax · 8.25 %")
    page.click("[data-testid=mapping-save]")
    page.wait_for_selector("text=Mapping saved")
    section.screenshot(path=str(SCREENSHOTS / "mapping-settings.png"))

    assert AccountMapping.objects.get(integration=xero).income_account_name == "Other Revenue"
    assert TaxMapping.objects.get(integration=xero, rate="8.25").remote_name == "City sales tax"
    assert "documents at this rate are held back" not in section.inner_text()
