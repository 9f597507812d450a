"""Bank transfers and bank transactions (spend / receive money).

https://developer.xero.com/documentation/api/accounting/banktransfers
https://developer.xero.com/documentation/api/accounting/banktransactions
and the BankTransfer / BankTransaction schemas of Xero's OpenAPI description
(xero_accounting.yaml in https://github.com/XeroAPI/Xero-OpenAPI).

Rules kept, as those pages state them:
- A bank transfer needs FromBankAccount, ToBankAccount (each by AccountID or Code) and Amount;
  both accounts must be of Type BANK and must differ; Amount must be greater than zero; a
  transfer between accounts of different currencies needs each account's currency (the
  sandbox's accounts are all in the organisation's currency). Transfers cannot be edited.
- A bank transaction needs Type, Contact, LineItems and BankAccount (a BANK account); its
  total is the sum of its lines; SPEND and RECEIVE are the types a client may create here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.common.money import ZERO, round_money
from apps.sandbox.models import SandboxCompany

from . import entities
from .documents import document_day
from .errors import Invalid
from .formats import money, ms_day, new_guid, parse_decimal
from .kinds import Kind, choice

BANK_TRANSFERS = "BankTransfers"
BANK_TRANSACTIONS = "BankTransactions"
TRANSACTION_TYPES = ("SPEND", "RECEIVE")
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")


def bank_account(company: SandboxCompany, given: object, field: str) -> dict[str, Any]:
    """A BANK account named by AccountID or Code; ``Invalid`` otherwise."""
    account = entities.account_given(company, given)
    if account is None:
        raise Invalid(f"{field} must be specified by a valid AccountID or Code.")
    if account.get("Type") != "BANK":
        raise Invalid(f"{field} must be a bank account (Type BANK); {account['Name']} is not.")
    return account


def _ref(account: dict[str, Any]) -> dict[str, Any]:
    return {
        "AccountID": account["AccountID"],
        "Code": account.get("Code", ""),
        "Name": account["Name"],
    }


class BankTransferKind(Kind):
    entity = BANK_TRANSFERS
    id_field = "BankTransferID"
    shape = "BankTransfer"

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        if current is not None:
            raise Invalid("A bank transfer cannot be edited.")
        source = bank_account(company, element.get("FromBankAccount"), "FromBankAccount")
        target = bank_account(company, element.get("ToBankAccount"), "ToBankAccount")
        if source["AccountID"] == target["AccountID"]:
            raise Invalid("The From and To bank accounts must be different.")
        amount = parse_decimal(element.get("Amount"))
        if amount is None or amount <= ZERO:
            raise Invalid("Amount must be greater than zero.")
        if amount != round_money(amount):
            raise Invalid("Amount can have at most 2 decimal places.")
        day = document_day(element, "Date", timezone.localdate())
        return {
            "BankTransferID": new_guid(),
            "FromBankAccount": _ref(source),
            "ToBankAccount": _ref(target),
            "Amount": money(amount),
            "Date": ms_day(day),
            "Reference": str(element.get("Reference") or "")[:255],
            "CurrencyRate": 1.0,
            "FromBankTransactionID": new_guid(),
            "ToBankTransactionID": new_guid(),
            "FromIsReconciled": bool(element.get("FromIsReconciled", False)),
            "ToIsReconciled": bool(element.get("ToIsReconciled", False)),
            "HasAttachments": False,
            "Status": "AUTHORISED",
        }


class BankTransactionKind(Kind):
    entity = BANK_TRANSACTIONS
    id_field = "BankTransactionID"
    shape = "BankTransaction"
    enums = {"Type": TRANSACTION_TYPES}

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        if current is not None:
            raise Invalid("The sandbox does not edit bank transactions once made.")
        kind = choice(element.get("Type"), TRANSACTION_TYPES, "Type")
        contact = _contact(company, element.get("Contact"))
        account = bank_account(company, element.get("BankAccount"), "BankAccount")
        amounts = str(element.get("LineAmountTypes") or "Exclusive")
        if amounts not in LINE_AMOUNT_TYPES:
            raise Invalid(f"LineAmountTypes '{amounts}' is not valid.")
        lines = element.get("LineItems")
        if not isinstance(lines, list) or not lines:
            raise Invalid("A bank transaction must have at least one line item.")
        built = [_line(company, line) for line in lines]
        total = sum((Decimal(str(line["LineAmount"])) for line in built), ZERO)
        if total <= ZERO:
            raise Invalid("The total of a bank transaction must be greater than zero.")
        day = document_day(element, "Date", timezone.localdate())
        return {
            "BankTransactionID": new_guid(),
            "Type": kind,
            "Contact": {"ContactID": contact.record_id, "Name": contact.data.get("Name", "")},
            "BankAccount": _ref(account),
            "LineItems": built,
            "LineAmountTypes": amounts,
            "Date": ms_day(day),
            "Reference": str(element.get("Reference") or "")[:255],
            "CurrencyCode": company.currency,
            "IsReconciled": bool(element.get("IsReconciled", False)),
            "Status": "AUTHORISED",
            "SubTotal": money(total),
            "TotalTax": 0.0,
            "Total": money(total),
        }


def _contact(company: SandboxCompany, given: object):
    given = given if isinstance(given, dict) else {}
    contact = None
    if given.get("ContactID"):
        contact = entities.get(company, entities.CONTACTS, given["ContactID"])
    elif given.get("Name"):
        contact = entities.find_by(company, entities.CONTACTS, "Name", given["Name"])
    if contact is None:
        raise Invalid("A Contact must be specified by a valid ContactID or Name.")
    return contact


def _line(company: SandboxCompany, line: object) -> dict[str, Any]:
    if not isinstance(line, dict):
        raise Invalid("Each line item must be an object.")
    account = None
    if line.get("AccountID"):
        found = entities.get(company, entities.ACCOUNTS, line["AccountID"])
        account = found.data if found else None
    elif line.get("AccountCode"):
        account = entities.account_by_code(company, line["AccountCode"])
    if account is None:
        raise Invalid("Each line item needs a valid AccountCode (or AccountID).")
    quantity = parse_decimal(line.get("Quantity", 1))
    unit = parse_decimal(line.get("UnitAmount"))
    if quantity is None or unit is None:
        raise Invalid("Each line item needs a Quantity and a UnitAmount.")
    return {
        "LineItemID": new_guid(),
        "Description": str(line.get("Description") or ""),
        "Quantity": float(quantity),
        "UnitAmount": money(unit),
        "AccountCode": account.get("Code", ""),
        "AccountID": account["AccountID"],
        "TaxType": "NONE",
        "TaxAmount": 0.0,
        "LineAmount": money(round_money(quantity * unit)),
    }
