"""A new QuickBooks sandbox company is Intuit's sample company in what clients rely on: the
same ids for its accounts, items and customers, open and paid invoices, and its Preferences."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _read(raw, entity: str, record_id: str) -> dict:
    answer = raw.get(f"{entity.lower()}/{record_id}")
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()[entity]


@pytest.mark.parametrize(
    "record_id,name",
    [
        ("1", "Services"),
        ("4", "Undeposited Funds"),
        ("35", "Checking"),
        ("79", "Sales of Product Income"),
        ("80", "Cost of Goods Sold"),
        ("81", "Inventory Asset"),
        ("82", "Design income"),
        ("84", "Accounts Receivable (A/R)"),
        ("86", "Discounts given"),
    ],
)
def test_chart_of_accounts_has_intuits_sample_ids(raw, record_id, name):
    assert _read(raw, "Account", record_id)["Name"] == name


def test_items_customers_and_employees_have_intuits_sample_ids(raw):
    assert _read(raw, "Item", "10")["Name"] == "Pest Control"
    assert _read(raw, "Item", "10")["IncomeAccountRef"]["value"] == "54"
    assert _read(raw, "Item", "4")["IncomeAccountRef"] == {"value": "82", "name": "Design income"}
    assert _read(raw, "Customer", "1")["DisplayName"] == "Amy's Bird Sanctuary"
    assert _read(raw, "Customer", "3")["DisplayName"] == "Cool Cars"
    assert _read(raw, "Employee", "55")["DisplayName"] == "Emily Platt"


def test_new_records_get_ids_above_the_sample_companys(raw):
    account = raw.post("account", {"Name": "Tools", "AccountType": "Expense"}).json()
    assert account["Account"]["Id"] == "91"
    customer = raw.post("customer", {"DisplayName": "Brand New"}).json()
    assert int(customer["Customer"]["Id"]) > 24


def test_sample_company_has_open_and_paid_invoices_and_payments(raw):
    invoices = raw.get("query", {"query": "select * from Invoice"}).json()["QueryResponse"]
    balances = {i["DocNumber"]: (i["TotalAmt"], i["Balance"]) for i in invoices["Invoice"]}
    assert balances["1001"] == (145.0, 0.0)
    assert balances["1003"] == (325.0, 225.0)
    assert balances["1002"] == (35.0, 35.0)
    payments = raw.get("query", {"query": "select * from Payment"}).json()["QueryResponse"]
    assert len(payments["Payment"]) >= 2
    assert all(p["DepositToAccountRef"]["value"] == "4" for p in payments["Payment"])
    amy = _read(raw, "Customer", "1")
    assert amy["Balance"] == 0.0


def test_sample_records_are_older_than_a_first_change_data_capture(raw):
    from datetime import timedelta

    from django.utils import timezone

    since = (timezone.now() - timedelta(hours=1)).isoformat()
    answer = raw.get("cdc", {"entities": "Invoice,Customer", "changedSince": since}).json()
    assert answer["CDCResponse"][0]["QueryResponse"] == [{}, {}]


def test_preferences_are_complete(raw):
    prefs = raw.get("preferences").json()["Preferences"]
    assert prefs["AccountingInfoPrefs"]["TaxYearMonth"] == "January"
    assert prefs["SalesFormsPrefs"]["EstimateMessage"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    assert prefs["SalesFormsPrefs"]["DefaultDiscountAccount"] == "86"
    assert prefs["EmailMessagesPrefs"]["EstimateMessage"]["Subject"].startswith("Estimate")
    assert prefs["CurrencyPrefs"] == {
        "HomeCurrency": {"value": "USD"},
        "MultiCurrencyEnabled": False,
    }
    assert prefs["TaxPrefs"]["UsingSalesTax"] is True
    assert prefs["TimeTrackingPrefs"]["UseServices"] is True


def _invoice(raw, **fields) -> dict:
    body = {
        "CustomerRef": {"value": "3"},
        "Line": [{"Amount": 35, "SalesItemLineDetail": {"ItemRef": {"value": "10"}}}],
        **fields,
    }
    answer = raw.post("invoice", body)
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()["Invoice"]


def test_invoice_link_is_given_when_online_payment_is_allowed_and_there_is_a_billing_email(raw):
    invoice = _invoice(
        raw, AllowOnlineCreditCardPayment=True, BillEmail={"Address": "Cool_Cars@intuit.com"}
    )
    assert "InvoiceLink" not in invoice
    read = raw.get(f"invoice/{invoice['Id']}", {"include": "invoiceLink"}).json()["Invoice"]
    assert read["InvoiceLink"].startswith("https://")
    found = raw.get(
        "query",
        {"query": f"select * from Invoice where Id = '{invoice['Id']}'", "include": "invoiceLink"},
    ).json()["QueryResponse"]["Invoice"]
    assert found[0]["InvoiceLink"] == read["InvoiceLink"]


@pytest.mark.parametrize(
    "fields",
    [
        {"BillEmail": {"Address": "Cool_Cars@intuit.com"}},
        {"AllowOnlineACHPayment": True},
    ],
)
def test_no_invoice_link_without_online_payment_or_billing_email(raw, fields):
    invoice = _invoice(raw, **fields)
    read = raw.get(f"invoice/{invoice['Id']}", {"include": "invoiceLink"}).json()["Invoice"]
    assert "InvoiceLink" not in read
