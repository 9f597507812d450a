from __future__ import annotations

import pytest

from apps.sandbox.companies import company_create
from apps.sandbox.models import Provider

pytestmark = pytest.mark.django_db(transaction=True)


def test_organisation_reports_the_tenants_country_currency_and_name(xero, xero_company):
    org = xero.get("/Organisation").json()["Organisations"][0]
    assert org["OrganisationID"] == xero_company.external_id
    assert (org["Name"], org["CountryCode"], org["BaseCurrency"]) == (
        "Harbour Plumbing",
        "NZ",
        "NZD",
    )
    assert org["Version"] == "NZ"


def test_tax_rates_match_the_country(xero, xero_app, xero_base):
    nz_types = {r["TaxType"] for r in xero.get("/TaxRates").json()["TaxRates"]}
    assert {"OUTPUT2", "INPUT2", "NONE"} <= nz_types
    one = xero.get("/TaxRates/OUTPUT2").json()["TaxRates"][0]
    assert one["EffectiveRate"] == 15.0
    us = company_create(provider=Provider.XERO, name="Plains HVAC", country="US")
    from apps.sandbox import oauth

    token = oauth.token_issue(app=xero_app, company=us)
    xero.session.headers["xero-tenant-id"] = us.external_id
    xero.session.token = {"access_token": token.access_token, "token_type": "Bearer"}
    us_types = {r["TaxType"] for r in xero.get("/TaxRates").json()["TaxRates"]}
    assert "OUTPUT" in us_types and "OUTPUT2" not in us_types
    assert xero.get("/Organisation").json()["Organisations"][0]["BaseCurrency"] == "USD"


def test_accounts_include_sales_200_and_a_bank_account(xero):
    accounts = {a["Code"]: a for a in xero.get("/Accounts").json()["Accounts"]}
    assert accounts["200"]["Type"] == "REVENUE" and accounts["200"]["Class"] == "REVENUE"
    assert accounts["090"]["Type"] == "BANK"
    one = xero.get(f"/Accounts/{accounts['200']['AccountID']}").json()["Accounts"][0]
    assert one["Name"] == "Sales"


def test_account_can_be_created_and_code_must_be_unique(xero):
    answer = xero.put(
        "/Accounts", json={"Code": "201", "Name": "Call-out income", "Type": "REVENUE"}
    )
    assert answer.json()["Accounts"][0]["Code"] == "201"
    again = xero.put("/Accounts", json={"Code": "201", "Name": "Other", "Type": "REVENUE"})
    assert again.status_code == 400


def test_items_crud_and_code_uniqueness(xero):
    item = {
        "Code": "VALVE",
        "Name": "Valve",
        "SalesDetails": {"UnitPrice": 12.5, "AccountCode": "200"},
    }
    created = xero.put("/Items", json={"Items": [item]}).json()["Items"][0]
    assert created["IsSold"] is True
    assert xero.put("/Items", json={"Items": [item]}).status_code == 400
    # POST by Code updates the same item, as Xero matches items by code.
    updated = xero.post("/Items", json={"Code": "VALVE", "Name": "Brass valve"}).json()["Items"][0]
    assert updated["ItemID"] == created["ItemID"] and updated["Name"] == "Brass valve"
    assert xero.get("/Items/VALVE").json()["Items"][0]["ItemID"] == created["ItemID"]
    deleted = xero.call("DELETE", f"/Items/{created['ItemID']}")
    assert deleted.status_code == 204
    assert xero.get(f"/Items/{created['ItemID']}").status_code == 404


def test_item_with_unknown_account_is_refused(xero):
    item = {"Code": "X1", "SalesDetails": {"UnitPrice": 1, "AccountCode": "999"}}
    assert xero.put("/Items", json=item).status_code == 400
