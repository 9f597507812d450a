from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _approved_invoice(xero, amount=100):
    body = {
        "Type": "ACCREC",
        "Status": "AUTHORISED",
        "Contact": {"Name": "Ann Fixit"},
        "LineAmountTypes": "NoTax",
        "LineItems": [{"Description": "Repair", "UnitAmount": amount, "AccountCode": "200"}],
    }
    return xero.put("/Invoices", json={"Invoices": [body]}).json()["Invoices"][0]


def _pay(xero, invoice, amount, **extra):
    payment = {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"Code": "090"},
        "Date": "2026-11-20",
        "Amount": amount,
        **extra,
    }
    return xero.put("/Payments", json={"Payments": [payment]})


def _reload(xero, invoice):
    return xero.get(f"/Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]


def test_part_payment_reduces_amount_due(xero):
    invoice = _approved_invoice(xero)
    payment = _pay(xero, invoice, 40).json()["Payments"][0]
    assert payment["Status"] == "AUTHORISED" and payment["PaymentType"] == "ACCRECPAYMENT"
    assert payment["Invoice"]["InvoiceNumber"] == invoice["InvoiceNumber"]
    again = _reload(xero, invoice)
    assert (again["AmountPaid"], again["AmountDue"], again["Status"]) == (40.0, 60.0, "AUTHORISED")
    assert [p["PaymentID"] for p in again["Payments"]] == [payment["PaymentID"]]


def test_payment_that_settles_the_balance_makes_the_invoice_paid(xero):
    invoice = _approved_invoice(xero)
    _pay(xero, invoice, 40)
    _pay(xero, invoice, 60)
    paid = _reload(xero, invoice)
    assert (paid["Status"], paid["AmountDue"], paid["AmountPaid"]) == ("PAID", 0.0, 100.0)
    assert paid["FullyPaidOnDate"].startswith("/Date(")


def test_deleting_a_payment_reopens_the_invoice(xero):
    invoice = _approved_invoice(xero)
    payment = _pay(xero, invoice, 100).json()["Payments"][0]
    assert _reload(xero, invoice)["Status"] == "PAID"
    answer = xero.post(f"/Payments/{payment['PaymentID']}", json={"Status": "DELETED"})
    assert answer.json()["Payments"][0]["Status"] == "DELETED"
    reopened = _reload(xero, invoice)
    assert (reopened["Status"], reopened["AmountDue"], reopened["Payments"]) == (
        "AUTHORISED",
        100.0,
        [],
    )


def test_void_is_refused_while_a_payment_is_applied(xero):
    invoice = _approved_invoice(xero)
    payment = _pay(xero, invoice, 10).json()["Payments"][0]
    answer = xero.post(f"/Invoices/{invoice['InvoiceID']}", json={"Status": "VOIDED"})
    assert answer.status_code == 400
    assert "payment" in answer.json()["Elements"][0]["ValidationErrors"][0]["Message"]
    xero.post(f"/Payments/{payment['PaymentID']}", json={"Status": "DELETED"})
    answer = xero.post(f"/Invoices/{invoice['InvoiceID']}", json={"Status": "VOIDED"})
    assert answer.json()["Invoices"][0]["Status"] == "VOIDED"


def test_overpayment_and_payment_on_a_draft_are_refused(xero):
    invoice = _approved_invoice(xero)
    assert _pay(xero, invoice, 100.01).status_code == 400
    draft = xero.put(
        "/Invoices", json={"Type": "ACCREC", "Contact": {"Name": "Bob"}, "LineItems": []}
    ).json()["Invoices"][0]
    answer = _pay(xero, draft, 5)
    assert answer.status_code == 400
    assert "Authorised" in answer.json()["Elements"][0]["ValidationErrors"][0]["Message"]


def test_payment_to_a_non_bank_account_is_refused(xero):
    invoice = _approved_invoice(xero)
    answer = _pay(xero, invoice, 5, Account={"Code": "200"})
    assert answer.json()["Elements"][0]["ValidationErrors"] == [
        {"Message": "Account type is invalid for making a payment to/from"}
    ]


def test_a_payment_can_only_be_deleted_not_edited(xero):
    invoice = _approved_invoice(xero)
    payment = _pay(xero, invoice, 10).json()["Payments"][0]
    answer = xero.post(f"/Payments/{payment['PaymentID']}", json={"Amount": 20})
    assert answer.status_code == 400


def test_payments_are_listed_and_read(xero):
    invoice = _approved_invoice(xero)
    payment = _pay(xero, invoice, 10, Reference="Cheque 5").json()["Payments"][0]
    listed = xero.get("/Payments").json()["Payments"]
    assert [p["PaymentID"] for p in listed] == [payment["PaymentID"]]
    one = xero.get(f"/Payments/{payment['PaymentID']}").json()["Payments"][0]
    assert one["Reference"] == "Cheque 5" and one["Amount"] == 10.0
