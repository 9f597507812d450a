"""The Xero sandbox's bank transfers and bank transactions, as Xero's pages and OpenAPI
description define them: both accounts of a transfer BANK and different, Amount above zero;
a spend needs a contact, a bank account and lines. Refusals write nothing."""

from __future__ import annotations

import pytest

from apps.sandbox.models import SandboxRecord

pytestmark = pytest.mark.django_db(transaction=True)


def _transfer(amount=100, source="091", target="090"):
    return {
        "FromBankAccount": {"Code": source},
        "ToBankAccount": {"Code": target},
        "Amount": amount,
        "Date": "2026-12-04",
        "Reference": "Stripe payout po_1",
    }


def _written(company, entity):
    return SandboxRecord.objects.filter(company=company, entity=entity)


def test_a_transfer_between_two_bank_accounts_is_made(xero, xero_company):
    answer = xero.put("/BankTransfers", json={"BankTransfers": [_transfer(446.24)]})
    assert answer.status_code == 200, answer.text
    [transfer] = answer.json()["BankTransfers"]
    assert transfer["Amount"] == 446.24 and transfer["Status"] == "AUTHORISED"
    assert transfer["FromBankAccount"]["Name"] == "Stripe Clearing"
    read = xero.get(f"/BankTransfers/{transfer['BankTransferID']}").json()["BankTransfers"][0]
    assert read["ToBankAccount"]["Code"] == "090"


@pytest.mark.parametrize(
    "element,message",
    [
        (_transfer(source="400"), "must be a bank account"),
        (_transfer(target="091"), "must be different"),
        (_transfer(amount=0), "greater than zero"),
        (_transfer(amount=-5), "greater than zero"),
        ({**_transfer(), "FromBankAccount": {"Code": "999"}}, "valid AccountID or Code"),
        ({k: v for k, v in _transfer().items() if k != "Amount"}, "greater than zero"),
    ],
    ids=["from-expense", "same-account", "zero", "negative", "unknown-account", "no-amount"],
)
def test_a_transfer_xero_would_refuse_is_refused(xero, xero_company, element, message):
    answer = xero.put("/BankTransfers", json={"BankTransfers": [element]})
    assert answer.status_code == 400, answer.text
    assert message in answer.text
    assert not _written(xero_company, "BankTransfers").exists()


def _spend(**changes):
    return {
        "Type": "SPEND",
        "Contact": {"Name": "Bayside Club"},
        "BankAccount": {"Code": "091"},
        "LineAmountTypes": "NoTax",
        "LineItems": [
            {"Description": "Stripe fees", "Quantity": 1, "UnitAmount": 14.25, "AccountCode": "404"}
        ],
        **changes,
    }


def test_fees_are_spent_from_the_clearing_account(xero, xero_company):
    answer = xero.put("/BankTransactions", json={"BankTransactions": [_spend()]})
    assert answer.status_code == 200, answer.text
    [spend] = answer.json()["BankTransactions"]
    assert spend["Total"] == 14.25 and spend["BankAccount"]["Code"] == "091"
    assert spend["LineItems"][0]["AccountCode"] == "404"


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"Contact": None}, "Contact"),
        ({"BankAccount": {"Code": "404"}}, "must be a bank account"),
        ({"LineItems": []}, "at least one line item"),
        ({"Type": "TRANSFER"}, "Type"),
    ],
    ids=["no-contact", "not-a-bank-account", "no-lines", "bad-type"],
)
def test_a_bank_transaction_xero_would_refuse_is_refused(xero, xero_company, changes, message):
    answer = xero.put("/BankTransactions", json={"BankTransactions": [_spend(**changes)]})
    assert answer.status_code == 400, answer.text
    assert message in answer.text
    assert not _written(xero_company, "BankTransactions").exists()


def test_a_spend_for_an_archived_contact_is_refused(xero, xero_company):
    [contact] = xero.get("/Contacts", params={"where": 'Name=="Bayside Club"'}).json()["Contacts"]
    xero.post(f"/Contacts/{contact['ContactID']}", json={"ContactStatus": "ARCHIVED"})
    spend = _spend(Contact={"ContactID": contact["ContactID"]})
    answer = xero.put("/BankTransactions", json={"BankTransactions": [spend]})
    assert answer.status_code == 400, answer.text
    assert "The contact Bayside Club is archived" in answer.text
    assert not _written(xero_company, "BankTransactions").exists()


def test_a_spend_with_tax_exclusive_lines_carries_the_tax_of_its_tax_type(xero, xero_company):
    line = {"Description": "Card terminal", "Quantity": 1, "UnitAmount": 100, "AccountCode": "404"}
    spend = _spend(LineAmountTypes="Exclusive", LineItems=[{**line, "TaxType": "INPUT2"}])
    answer = xero.put("/BankTransactions", json={"BankTransactions": [spend]})
    assert answer.status_code == 200, answer.text
    [made] = answer.json()["BankTransactions"]
    assert (made["SubTotal"], made["TotalTax"], made["Total"]) == (100.0, 15.0, 115.0)
    assert made["LineItems"][0]["TaxType"] == "INPUT2"


def test_a_spend_line_with_a_tax_type_the_organisation_lacks_is_refused(xero, xero_company):
    line = {"Description": "Card terminal", "Quantity": 1, "UnitAmount": 100, "AccountCode": "404"}
    spend = _spend(LineAmountTypes="Exclusive", LineItems=[{**line, "TaxType": "MADEUP"}])
    answer = xero.put("/BankTransactions", json={"BankTransactions": [spend]})
    assert answer.status_code == 400, answer.text
    assert "The TaxType code 'MADEUP' does not exist" in answer.text
    assert not _written(xero_company, "BankTransactions").exists()


def test_a_transfer_repeated_with_its_idempotency_key_is_made_once(xero, xero_company):
    body = {"BankTransfers": [_transfer()]}
    first = xero.put("/BankTransfers", json=body, headers={"Idempotency-Key": "payout-1"})
    again = xero.put("/BankTransfers", json=body, headers={"Idempotency-Key": "payout-1"})
    assert first.json() == again.json()
    assert _written(xero_company, "BankTransfers").count() == 1
