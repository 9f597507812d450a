"""The rules real MYOB enforces, each refused by the sandbox with MYOB's error shape: required
fields, lengths, tax codes of the file's country, accounts, invoice numbers, payment amounts."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from apps.sandbox import oauth
from apps.sandbox.companies import company_create
from apps.sandbox.models import Provider
from tests.sandbox.myob_fixtures import *  # noqa: F403 (fixtures)
from tests.sandbox.myob_helpers import Myob, customer_body, error_names, service_invoice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def customer(myob):
    return myob.created("Contact/Customer", customer_body(myob, "Rules Pty Ltd"))


def test_customer_without_company_name_or_tax_codes_lists_every_problem(myob):
    answer = myob.post("Contact/Customer", {"IsIndividual": False})
    assert answer.status_code == 400
    body = answer.json()
    assert set(error_names(answer)) == {"Required"}
    messages = " ".join(e["Message"] for e in body["Errors"])
    assert "CompanyName" in messages and "SellingDetails.TaxCode.UID" in messages
    assert body["Errors"][0]["ErrorCode"] == 100 and "Information" in body


def test_individual_customer_needs_a_last_name(myob):
    body = {**customer_body(myob), "IsIndividual": True, "CompanyName": None}
    answer = myob.post("Contact/Customer", body)
    assert answer.status_code == 400 and "LastName is required" in answer.text


def test_company_name_longer_than_fifty_characters_is_refused(myob):
    answer = myob.post("Contact/Customer", customer_body(myob, "x" * 51))
    assert answer.status_code == 400 and error_names(answer) == ["ValueTooLong"]


def test_unknown_tax_code_is_not_found(myob):
    body = customer_body(myob)
    body["SellingDetails"]["TaxCode"] = {"UID": "99999999-9999-9999-9999-999999999999"}
    answer = myob.post("Contact/Customer", body)
    assert answer.status_code == 400 and error_names(answer) == ["NotFound"]
    assert answer.json()["Errors"][0]["ErrorCode"] == 150


def test_invoice_number_is_unique_in_the_company_file(myob, customer):
    body = service_invoice(myob, customer["UID"], Number="INV-7")
    assert myob.post("Sale/Invoice/Service", body).status_code == 201
    again = myob.post("Sale/Invoice/Service", body)
    assert again.status_code == 400 and error_names(again) == ["DuplicateValue"]


def test_invoice_number_longer_than_thirteen_characters_is_refused(myob, customer):
    answer = myob.post(
        "Sale/Invoice/Service", service_invoice(myob, customer["UID"], Number="N" * 14)
    )
    assert answer.status_code == 400 and error_names(answer) == ["ValueTooLong"]


def test_invoice_without_a_number_is_numbered_by_myob(myob, customer):
    first = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"]))
    second = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"]))
    assert len(first["Number"]) == 8 and int(second["Number"]) == int(first["Number"]) + 1


def test_invoice_needs_date_customer_and_lines(myob):
    answer = myob.post("Sale/Invoice/Service", {})
    assert answer.status_code == 400
    messages = " ".join(e["Message"] for e in answer.json()["Errors"])
    for field in ("Date", "Customer.UID", "Lines"):
        assert f"{field} is required" in messages


def test_service_line_on_a_header_account_is_refused(myob, customer):
    header = myob.one("GeneralLedger/Account", **{"$filter": "DisplayID eq '4-0000'"})
    body = service_invoice(myob, customer["UID"])
    body["Lines"][0]["Account"] = {"UID": header["UID"]}
    answer = myob.post("Sale/Invoice/Service", body)
    assert answer.status_code == 400 and error_names(answer) == ["InvalidValue"]


def test_service_line_needs_account_tax_code_and_total(myob, customer):
    body = service_invoice(myob, customer["UID"])
    body["Lines"] = [{"Type": "Transaction", "Description": "No details"}]
    answer = myob.post("Sale/Invoice/Service", body)
    messages = " ".join(e["Message"] for e in answer.json()["Errors"])
    assert answer.status_code == 400
    for field in ("Lines[0].Total", "Account.UID", "TaxCode.UID"):
        assert field in messages


def test_tax_inclusive_invoice_carries_one_eleventh_gst(myob, customer):
    body = service_invoice(myob, customer["UID"], 110.0, IsTaxInclusive=True)
    invoice = myob.created("Sale/Invoice/Service", body)
    assert invoice["TotalAmount"] == 110.0 and invoice["TotalTax"] == 10.0


def test_gst_free_line_has_no_tax(myob, customer):
    fre = myob.one("GeneralLedger/TaxCode", **{"$filter": "Code eq 'FRE'"})
    body = service_invoice(myob, customer["UID"], 50.0)
    body["Lines"][0]["TaxCode"] = {"UID": fre["UID"]}
    invoice = myob.created("Sale/Invoice/Service", body)
    assert invoice["TotalTax"] == 0.0 and invoice["TotalAmount"] == 50.0


def test_item_invoice_prices_lines_from_the_item(myob, customer):
    item = myob.one("Inventory/Item", **{"$filter": "Number eq 'LABOUR'"})
    gst = myob.one("GeneralLedger/TaxCode", **{"$filter": "Code eq 'GST'"})
    body = {
        "Date": "2026-12-02",
        "Customer": {"UID": customer["UID"]},
        "Lines": [
            {"ShipQuantity": 2, "Item": {"UID": item["UID"]}, "TaxCode": {"UID": gst["UID"]}}
        ],
    }
    invoice = myob.created("Sale/Invoice/Item", body)
    assert invoice["Lines"][0]["Total"] == 190.0 and invoice["TotalAmount"] == 209.0
    assert invoice["URI"].endswith(f"/Sale/Invoice/Item/{invoice['UID']}")
    assert myob.get(f"Sale/Invoice/Service/{invoice['UID']}").status_code == 404
    everything = myob.get("Sale/Invoice").json()["Items"]
    assert invoice["UID"] in [row["UID"] for row in everything]


def test_item_line_needs_quantity_and_a_sold_item(myob, customer):
    gst = myob.one("GeneralLedger/TaxCode", **{"$filter": "Code eq 'GST'"})
    body = {
        "Date": "2026-12-02",
        "Customer": {"UID": customer["UID"]},
        "Lines": [{"Item": {"UID": customer["UID"]}, "TaxCode": {"UID": gst["UID"]}}],
    }
    answer = myob.post("Sale/Invoice/Item", body)
    assert answer.status_code == 400
    assert {"NotFound", "Required"} <= set(error_names(answer))


def test_item_sold_to_a_non_income_account_is_refused(myob):
    bank = myob.one("GeneralLedger/Account", **{"$filter": "DisplayID eq '1-1110'"})
    gst = myob.one("GeneralLedger/TaxCode", **{"$filter": "Code eq 'GST'"})
    body = {
        "Number": "DRAIN",
        "Name": "Drain clearing",
        "IsSold": True,
        "IncomeAccount": {"UID": bank["UID"]},
        "SellingDetails": {"BaseSellingPrice": 120, "TaxCode": {"UID": gst["UID"]}},
    }
    answer = myob.post("Inventory/Item", body)
    assert answer.status_code == 400 and error_names(answer) == ["InvalidValue"]
    income = myob.one("GeneralLedger/Account", **{"$filter": "DisplayID eq '4-1000'"})
    body["IncomeAccount"] = {"UID": income["UID"]}
    item = myob.created("Inventory/Item", body)
    assert item["IncomeAccount"]["DisplayID"] == "4-1000"
    again = myob.post("Inventory/Item", body)
    assert again.status_code == 400 and error_names(again) == ["DuplicateValue"]


def _payment(myob, customer, invoice, amount):
    undeposited = {"DepositTo": "UndepositedFunds"}
    return {
        **undeposited,
        "Customer": {"UID": customer["UID"]},
        "Date": "2026-12-03",
        "AmountReceived": amount,
        "Invoices": [{"UID": invoice["UID"], "AmountApplied": amount, "Type": "Invoice"}],
    }


def test_payment_more_than_the_balance_is_refused(myob, customer):
    invoice = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"], 100))
    answer = myob.post("Sale/CustomerPayment", _payment(myob, customer, invoice, 110.01))
    assert answer.status_code == 400
    assert error_names(answer) == ["AmountAppliedExceedsBalance"]


def test_payment_of_the_balance_closes_the_invoice_and_deleting_it_reopens(myob, customer):
    invoice = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"], 100))
    payment = myob.created("Sale/CustomerPayment", _payment(myob, customer, invoice, 110.0))
    assert payment["AmountReceived"] == 110.0 and payment["ReceiptNumber"]
    path = f"Sale/Invoice/Service/{invoice['UID']}"
    closed = myob.get(path).json()
    assert closed["BalanceDueAmount"] == 0.0 and closed["Status"] == "Closed"
    assert closed["RowVersion"] != invoice["RowVersion"]
    assert myob.delete(f"Sale/CustomerPayment/{payment['UID']}").status_code == 200
    assert myob.get(path).json()["BalanceDueAmount"] == 110.0


def test_payment_cannot_be_edited_and_deposits_only_to_a_bank_account(myob, customer):
    invoice = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"], 10))
    income = myob.one("GeneralLedger/Account", **{"$filter": "DisplayID eq '4-1000'"})
    body = {
        **_payment(myob, customer, invoice, 11.0),
        "DepositTo": "Account",
        "Account": {"UID": income["UID"]},
    }
    answer = myob.post("Sale/CustomerPayment", body)
    assert answer.status_code == 400 and error_names(answer) == ["InvalidValue"]
    payment = myob.created("Sale/CustomerPayment", _payment(myob, customer, invoice, 11.0))
    edit = myob.put(f"Sale/CustomerPayment/{payment['UID']}", payment)
    assert edit.status_code == 405


def test_quote_service_is_created_and_numbered_apart_from_invoices(myob, customer):
    body = service_invoice(myob, customer["UID"], 300, Number="Q-1")
    quote = myob.created("Sale/Quote/Service", body)
    assert quote["TotalAmount"] == 330.0 and quote["URI"].endswith(
        f"/Sale/Quote/Service/{quote['UID']}"
    )
    assert myob.post("Sale/Invoice/Service", body).status_code == 201
    assert error_names(myob.post("Sale/Quote/Service", body)) == ["DuplicateValue"]


def test_new_zealand_file_has_fifteen_percent_gst_and_no_fre(live_server, myob_app, settings):
    settings.SANDBOX_LIMITS = {"myob": {"second": 10_000}}
    nz = company_create(provider=Provider.MYOB, name="Kiwi Drains", country="NZ")
    client = Myob(live_server.url, oauth.token_issue(app=myob_app, company=nz))
    codes = {c["Code"]: c["Rate"] for c in client.get("GeneralLedger/TaxCode").json()["Items"]}
    assert codes["GST"] == 15.0 and "FRE" not in codes
    assert client.get("Company").json()["CurrencyCode"] == "NZD"
    client.session.close()


def test_an_au_tax_code_is_not_found_in_a_nz_file(live_server, myob, myob_app, settings):
    nz = company_create(provider=Provider.MYOB, name="Kiwi Drains", country="NZ")
    kiwi = Myob(live_server.url, oauth.token_issue(app=myob_app, company=nz))
    au_fre = myob.one("GeneralLedger/TaxCode", **{"$filter": "Code eq 'FRE'"})
    body = customer_body(kiwi)
    body["SellingDetails"]["TaxCode"] = {"UID": au_fre["UID"]}
    answer = kiwi.post("Contact/Customer", body)
    assert answer.status_code == 400 and error_names(answer) == ["NotFound"]
    kiwi.session.close()


def test_customer_with_invoices_cannot_be_deleted_until_they_are(myob, customer):
    invoice = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"]))
    refused = myob.delete(f"Contact/Customer/{customer['UID']}")
    assert refused.status_code == 400 and error_names(refused) == ["InvalidValue"]
    assert myob.delete(f"Sale/Invoice/Service/{invoice['UID']}").status_code == 200
    assert myob.delete(f"Contact/Customer/{customer['UID']}").status_code == 200


def test_paid_invoice_cannot_be_deleted(myob, customer):
    invoice = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"], 10))
    assert myob.post("Sale/CustomerPayment", _payment(myob, customer, invoice, 11.0)).ok
    refused = myob.delete(f"Sale/Invoice/Service/{invoice['UID']}")
    assert refused.status_code == 400 and error_names(refused) == ["InvalidValue"]


@pytest.mark.skipif(connection.vendor == "sqlite", reason="row locks need PostgreSQL")
def test_two_invoices_posted_at_once_with_one_number_make_one_invoice(myob, customer, monkeypatch):
    from apps.sandbox.myob import sales

    checked = sales._number_taken

    def slow_check(*args):
        taken = checked(*args)
        time.sleep(0.3)  # every request has checked before any has written, unless they queue
        return taken

    monkeypatch.setattr(sales, "_number_taken", slow_check)
    body = service_invoice(myob, customer["UID"], Number="RACE-1")

    def post(_):
        return myob.post("Sale/Invoice/Service", body).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(post, range(4)))
    assert statuses == [201, 400, 400, 400]
    assert myob.get("Sale/Invoice", **{"$filter": "Number eq 'RACE-1'"}).json()["Count"] == 1


def test_item_quote_lives_under_its_own_layout(myob, customer):
    item = myob.one("Inventory/Item", **{"$filter": "Number eq 'CALLOUT'"})
    gst = myob.one("GeneralLedger/TaxCode", **{"$filter": "Code eq 'GST'"})
    line = {"ShipQuantity": 1, "Item": {"UID": item["UID"]}, "TaxCode": {"UID": gst["UID"]}}
    body = {"Date": "2026-12-05", "Customer": {"UID": customer["UID"]}, "Lines": [line]}
    quote = myob.created("Sale/Quote/Item", body)
    assert quote["TotalAmount"] == 88.0 and quote["Status"] == "Open"
    assert quote["URI"].endswith(f"/Sale/Quote/Item/{quote['UID']}")
    assert myob.get(f"Sale/Quote/Service/{quote['UID']}").status_code == 404
    assert myob.get(f"Sale/Invoice/Item/{quote['UID']}").status_code == 404


def test_two_payment_lines_on_one_invoice_may_not_together_pay_more_than_it_owes(myob, customer):
    invoice = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"], 100))
    body = _payment(myob, customer, invoice, 120)
    body["Invoices"] = [{"UID": invoice["UID"], "AmountApplied": 60, "Type": "Invoice"}] * 2
    answer = myob.post("Sale/CustomerPayment", body)
    assert answer.status_code == 400
    assert error_names(answer) == ["AmountAppliedExceedsBalance"]
    path = f"Sale/Invoice/Service/{invoice['UID']}"
    assert myob.get(path).json()["BalanceDueAmount"] == 110.0
