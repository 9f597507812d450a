"""An Australian Xero organisation over HTTP: CountryCode AU, BaseCurrency AUD, the Australian
tax types (GST on Income at 10 %, GST Free Income, BAS Excluded ...) and GST on invoices, as
docs/sandbox-xero.md describes."""

from __future__ import annotations

import pytest

from apps.sandbox.companies import company_create
from apps.sandbox.models import Provider

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def xero_company(db):
    return company_create(provider=Provider.XERO, name="Harbour Plumbing AU", country="AU")


def _contact_id(xero) -> str:
    return xero.get("/Contacts").json()["Contacts"][0]["ContactID"]


def _invoice(xero, lines: list[tuple[str, str, str | None]]) -> dict:
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": _contact_id(xero)},
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {
                "Description": "Work",
                "Quantity": qty,
                "UnitAmount": price,
                "AccountCode": "200",
                **({"TaxType": tax_type} if tax_type else {}),
            }
            for qty, price, tax_type in lines
        ],
    }
    answer = xero.put("/Invoices", json={"Invoices": [body]})
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()["Invoices"][0]


def test_australian_organisation_is_in_australia_in_aud(xero):
    (organisation,) = xero.get("/Organisation").json()["Organisations"]
    assert organisation["CountryCode"] == "AU"
    assert organisation["BaseCurrency"] == "AUD"
    assert organisation["Version"] == "AU"


def test_australian_tax_rates_are_xeros_with_gst_at_ten_percent_and_no_no_tax(xero):
    rates = {r["TaxType"]: r for r in xero.get("/TaxRates").json()["TaxRates"]}
    assert (rates["OUTPUT"]["Name"], rates["OUTPUT"]["EffectiveRate"]) == ("GST on Income", 10)
    assert (rates["INPUT"]["Name"], rates["INPUT"]["EffectiveRate"]) == ("GST on Expenses", 10)
    assert rates["EXEMPTOUTPUT"]["Name"] == "GST Free Income"
    assert rates["EXEMPTOUTPUT"]["EffectiveRate"] == 0
    assert rates["BASEXCLUDED"]["Name"] == "BAS Excluded"
    assert rates["EXEMPTEXPORT"]["Name"] == "GST Free Exports"
    assert rates["INPUTTAXED"]["Name"] == "Input Taxed"
    assert "NONE" not in rates


def test_gst_free_income_may_go_on_revenue_and_gst_on_expenses_may_not(xero):
    rates = {r["TaxType"]: r for r in xero.get("/TaxRates").json()["TaxRates"]}
    assert rates["EXEMPTOUTPUT"]["CanApplyToRevenue"] is True
    assert rates["EXEMPTOUTPUT"]["ReportTaxType"] == "EXEMPTOUTPUT"
    assert rates["INPUT"]["CanApplyToRevenue"] is False
    assert rates["GSTONIMPORTS"]["CanApplyToRevenue"] is False


def test_sales_account_and_a_line_without_tax_type_take_gst_on_income(xero):
    accounts = {a["Code"]: a for a in xero.get("/Accounts").json()["Accounts"]}
    assert accounts["200"]["TaxType"] == "OUTPUT"
    assert accounts["090"]["TaxType"] == "BASEXCLUDED"
    invoice = _invoice(xero, [("2", "55.00", None)])
    assert invoice["LineItems"][0]["TaxType"] == "OUTPUT"
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (110, 11, 121)


def test_gst_free_lines_carry_no_gst(xero):
    invoice = _invoice(xero, [("3", "110.00", "OUTPUT"), ("2", "45.50", "EXEMPTOUTPUT")])
    assert invoice["TotalTax"] == 33
    assert invoice["Total"] == 330 + 91 + 33
    assert invoice["CurrencyCode"] == "AUD"


def test_a_gst_on_expenses_line_is_refused_on_the_sales_account(xero):
    answer = xero.put(
        "/Invoices",
        json={
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": _contact_id(xero)},
                    "LineItems": [
                        {
                            "Description": "Work",
                            "Quantity": 1,
                            "UnitAmount": 10,
                            "AccountCode": "200",
                            "TaxType": "INPUT",
                        }
                    ],
                }
            ]
        },
    )
    assert answer.status_code == 400
    assert "The TaxType code 'INPUT' cannot be used with account code '200'." in answer.text
