"""A QuickBooks Online Australia sandbox company over HTTP: country AU in AUD, GST tax codes,
and the global tax model (a tax code on every line, TxnTaxDetail worked out per rate,
tax-exclusive or tax-inclusive) as docs/sandbox-quickbooks.md describes."""

from __future__ import annotations

import pytest

from apps.sandbox import oauth
from apps.sandbox.companies import company_create
from apps.sandbox.models import Provider
from tests.sandbox.conftest import RawQbo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def au(api_base, qbo_app):
    company = company_create(provider=Provider.QUICKBOOKS, name="Harbour Plumbing AU", country="AU")
    token = oauth.token_issue(
        app=qbo_app, company=company, scope="com.intuit.quickbooks.accounting"
    )
    client = RawQbo(api_base, token)
    yield client
    client.session.close()


def _query(raw, text: str) -> list[dict]:
    answer = raw.get("query", {"query": text})
    assert answer.status_code == 200, answer.text[:300]
    return next(iter(answer.json()["QueryResponse"].values()), [])


def sales_lines(lines) -> list[dict]:
    """QBO sales lines of item 1 from (qty, unit price, tax code id or None)."""
    return [
        {
            "Amount": qty * price,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {
                "ItemRef": {"value": "1"},
                "Qty": qty,
                "UnitPrice": price,
                **({"TaxCodeRef": {"value": code}} if code else {}),
            },
        }
        for qty, price, code in lines
    ]


def _invoice(raw, lines, **header) -> dict:
    body = {"CustomerRef": {"value": "1"}, "Line": sales_lines(lines), **header}
    return raw.post("invoice", body)


def test_australian_company_is_in_australia_and_keeps_its_books_in_aud(au):
    info = au.get("companyinfo/1").json()["CompanyInfo"]
    assert info["Country"] == "AU"
    assert info["CompanyAddr"]["CountrySubDivisionCode"] == "NSW"
    prefs = au.get("preferences").json()["Preferences"]
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "AUD"
    assert prefs["TaxPrefs"]["PartnerTaxEnabled"] is False


def test_gst_code_is_made_of_the_gst_sales_rate_at_ten_percent(au):
    codes = {c["Name"]: c for c in _query(au, "select * from TaxCode")}
    rates = {r["Id"]: r for r in _query(au, "select * from TaxRate")}
    (gst_rate,) = codes["GST"]["SalesTaxRateList"]["TaxRateDetail"]
    assert rates[gst_rate["TaxRateRef"]["value"]]["Name"] == "GST (sales)"
    assert rates[gst_rate["TaxRateRef"]["value"]]["RateValue"] == 10
    for untaxed in ("GST free", "Out of scope", "Input taxed", "Export"):
        (detail,) = codes[untaxed]["SalesTaxRateList"]["TaxRateDetail"]
        assert rates[detail["TaxRateRef"]["value"]]["RateValue"] == 0, untaxed
    assert codes["GST free"]["Description"] == "GST free (FRE)"
    assert codes["Out of scope"]["Description"] == "Not reportable (N-T)"


def test_system_codes_without_sales_rates_are_listed_as_a_real_company_lists_them(au):
    codes = {c["Name"]: c for c in _query(au, "select * from TaxCode")}
    assert codes["Adjustment"]["Id"] == "3"
    assert codes["Adjustment"]["SalesTaxRateList"]["TaxRateDetail"] == []
    assert codes["BAS-W1"]["Id"] == "6"
    assert codes["BAS-W1"]["PurchaseTaxRateList"]["TaxRateDetail"][0]["TaxRateRef"]["value"] == "23"
    assert codes["GST on capital"]["SalesTaxRateList"]["TaxRateDetail"] == []


def test_gst_is_worked_out_per_rate_on_the_gst_lines_only(au):
    codes = {c["Name"]: c["Id"] for c in _query(au, "select * from TaxCode")}
    answer = _invoice(au, [(3, 110.0, codes["GST"]), (2, 45.5, codes["GST free"])])
    assert answer.status_code == 200, answer.text[:300]
    invoice = answer.json()["Invoice"]
    assert invoice["GlobalTaxCalculation"] == "TaxExcluded"
    assert invoice["TxnTaxDetail"]["TotalTax"] == 33.0
    by_percent = {
        line["TaxLineDetail"]["TaxPercent"]: line for line in invoice["TxnTaxDetail"]["TaxLine"]
    }
    assert by_percent[10]["Amount"] == 33.0
    assert by_percent[10]["TaxLineDetail"]["NetAmountTaxable"] == 330.0
    assert by_percent[0]["Amount"] == 0.0
    assert invoice["TotalAmt"] == 330.0 + 91.0 + 33.0
    assert invoice["CurrencyRef"]["value"] == "AUD"


def test_tax_inclusive_prices_hold_one_eleventh_gst(au):
    codes = {c["Name"]: c["Id"] for c in _query(au, "select * from TaxCode")}
    answer = _invoice(au, [(1, 110.0, codes["GST"])], GlobalTaxCalculation="TaxInclusive")
    invoice = answer.json()["Invoice"]
    assert invoice["TxnTaxDetail"]["TotalTax"] == 10.0
    assert invoice["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]["NetAmountTaxable"] == 100.0
    assert invoice["TotalAmt"] == 110.0


def test_a_line_without_a_tax_code_is_refused_asking_for_a_gst_rate(au):
    answer = _invoice(au, [(1, 50.0, None)])
    assert answer.status_code == 400
    assert "GST rate" in answer.text


def test_the_sample_invoices_are_taxed_with_gst(au):
    gst = next(c["Id"] for c in _query(au, "select * from TaxCode") if c["Name"] == "GST")
    invoices = _query(au, "select * from Invoice")
    assert invoices
    for invoice in invoices:
        codes = {
            line["SalesItemLineDetail"]["TaxCodeRef"]["value"]
            for line in invoice["Line"]
            if line["DetailType"] == "SalesItemLineDetail"
        }
        assert codes == {gst}
        assert invoice["TxnTaxDetail"]["TotalTax"] > 0
