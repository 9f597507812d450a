"""Validation Xero does on invoices and contacts: archived contacts, account codes, tax types
allowed on an account, currencies, field lengths; each refusal in Xero's ValidationException
shape, and nothing written (docs/sandbox-xero.md)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def contact(xero):
    return xero.get("/Contacts").json()["Contacts"][0]


def _line(**fields):
    return {"Description": "Service call", "Quantity": 1, "UnitAmount": 120, **fields}


def _put_invoice(xero, contact, *, lines=None, **fields):
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact["ContactID"]},
        "Status": "AUTHORISED",
        "DueDate": "2026-12-31",
        "LineItems": lines or [_line(AccountCode="200")],
        **fields,
    }
    return xero.put("/Invoices", json={"Invoices": [body]})


def _refused_with(answer, message: str) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    assert body["Message"] == "A validation exception occurred"
    (element,) = body["Elements"]
    assert element["HasErrors"] is True
    assert message in [error["Message"] for error in element["ValidationErrors"]]


def _no_invoices(xero) -> bool:
    return xero.get("/Invoices").json()["Invoices"] == []


def test_invoice_for_an_archived_contact_is_refused(xero, contact):
    archived = xero.post(f"/Contacts/{contact['ContactID']}", json={"ContactStatus": "ARCHIVED"})
    assert archived.json()["Contacts"][0]["ContactStatus"] == "ARCHIVED"
    answer = _put_invoice(xero, contact)
    _refused_with(
        answer,
        f"The contact {contact['Name']} is archived. Restore the contact before adding "
        "transactions.",
    )
    assert _no_invoices(xero)


def test_invoice_made_before_its_contact_was_archived_can_still_be_voided(xero, contact):
    invoice = _put_invoice(xero, contact).json()["Invoices"][0]
    xero.post(f"/Contacts/{contact['ContactID']}", json={"ContactStatus": "ARCHIVED"})
    voided = xero.post(f"/Invoices/{invoice['InvoiceID']}", json={"Status": "VOIDED"})
    assert voided.status_code == 200 and voided.json()["Invoices"][0]["Status"] == "VOIDED"


def test_restored_contact_takes_invoices_again(xero, contact):
    xero.post(f"/Contacts/{contact['ContactID']}", json={"ContactStatus": "ARCHIVED"})
    xero.post(f"/Contacts/{contact['ContactID']}", json={"ContactStatus": "ACTIVE"})
    assert _put_invoice(xero, contact).status_code == 200


def test_quote_for_an_archived_contact_is_refused(xero, contact):
    xero.post(f"/Contacts/{contact['ContactID']}", json={"ContactStatus": "ARCHIVED"})
    body = {"Contact": {"ContactID": contact["ContactID"]}, "LineItems": [_line()]}
    answer = xero.put("/Quotes", json={"Quotes": [body]})
    assert answer.status_code == 400
    assert "is archived" in answer.json()["Elements"][0]["ValidationErrors"][0]["Message"]


def test_account_code_the_organisation_lacks_is_refused(xero, contact):
    answer = _put_invoice(xero, contact, lines=[_line(AccountCode="4999")])
    _refused_with(answer, "Account code '4999' is not a valid code for this document.")
    assert _no_invoices(xero)


def test_tax_type_not_allowed_on_the_account_is_refused(xero, contact):
    # NZ: INPUT2 (GST on expenses) may not be used on the revenue account 200.
    answer = _put_invoice(xero, contact, lines=[_line(AccountCode="200", TaxType="INPUT2")])
    _refused_with(answer, "The TaxType code 'INPUT2' cannot be used with account code '200'.")
    assert _no_invoices(xero)


def test_tax_rates_say_which_accounts_they_apply_to(xero):
    rates = {r["TaxType"]: r for r in xero.get("/TaxRates").json()["TaxRates"]}
    assert rates["INPUT2"]["CanApplyToRevenue"] is False
    assert rates["OUTPUT2"]["CanApplyToExpenses"] is False
    assert rates["OUTPUT2"]["CanApplyToRevenue"] is True and rates["NONE"]["CanApplyToRevenue"]


def test_sales_tax_type_on_the_sales_account_is_taken(xero, contact):
    answer = _put_invoice(xero, contact, lines=[_line(AccountCode="200", TaxType="OUTPUT2")])
    assert answer.status_code == 200
    assert answer.json()["Invoices"][0]["TotalTax"] == 18.0


def test_currency_the_organisation_is_not_subscribed_to_is_refused(xero, contact):
    answer = _put_invoice(xero, contact, CurrencyCode="EUR")
    _refused_with(answer, "Organisation is not subscribed to currency EUR")
    assert _no_invoices(xero)


@pytest.mark.parametrize(("field", "limit"), [("InvoiceNumber", 255), ("Reference", 255)])
def test_invoice_field_longer_than_xero_takes_is_refused(xero, contact, field, limit):
    assert _put_invoice(xero, contact, **{field: "R" * limit}).status_code == 200
    answer = _put_invoice(xero, contact, **{field: "S" * (limit + 1)})
    _refused_with(answer, f"{field} must not be more than {limit} characters long.")


def test_line_description_longer_than_4000_characters_is_refused(xero, contact):
    ok = _put_invoice(xero, contact, lines=[_line(AccountCode="200", Description="d" * 4000)])
    assert ok.status_code == 200
    answer = _put_invoice(xero, contact, lines=[_line(AccountCode="200", Description="d" * 4001)])
    _refused_with(answer, "Description must not be more than 4000 characters long.")


def test_contact_name_longer_than_255_characters_is_refused(xero):
    assert xero.put("/Contacts", json={"Contacts": [{"Name": "N" * 255}]}).status_code == 200
    answer = xero.put("/Contacts", json={"Contacts": [{"Name": "M" * 256}]})
    _refused_with(answer, "Name must not be more than 255 characters long.")


def test_summarize_errors_false_writes_the_good_invoice_and_flags_the_bad_one(xero, contact):
    good = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact["ContactID"]},
        "LineItems": [_line(AccountCode="200")],
    }
    bad = {**good, "LineItems": [_line(AccountCode="200", TaxType="INPUT2")]}
    answer = xero.post(
        "/Invoices", json={"Invoices": [good, bad]}, params={"summarizeErrors": "false"}
    )
    assert answer.status_code == 200
    first, second = answer.json()["Invoices"]
    assert first["StatusAttributeString"] == "OK"
    assert second["HasErrors"] is True and second["StatusAttributeString"] == "ERROR"
    assert len(xero.get("/Invoices").json()["Invoices"]) == 1
