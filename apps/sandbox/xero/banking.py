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
- A bank transaction needs Type, Contact, LineItems and BankAccount (a BANK account); SPEND and
  RECEIVE are the types a client may create here. Its contact is found (or made by Name) as a
  document's is, and an archived one is refused (``contacts.contact_check_usable``); its lines
  are priced as an invoice's are, with their TaxType and LineAmountTypes
  (https://developer.xero.com/documentation/api/accounting/types#line-amount-types), and its
  total, tax included, must be above zero.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from apps.common.money import ZERO, round_money
from apps.sandbox.models import SandboxCompany

from . import entities
from .contacts import contact_check_usable, resolve_contact
from .documents import document_day
from .errors import Invalid
from .formats import money, ms_day, new_guid, parse_decimal
from .kinds import Kind, choice
from .lines import amount_type, price_lines

BANK_TRANSFERS = "BankTransfers"
BANK_TRANSACTIONS = "BankTransactions"
TRANSACTION_TYPES = ("SPEND", "RECEIVE")


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
        contact_id = resolve_contact(company, element.get("Contact"))
        contact_check_usable(company, contact_id)
        contact = entities.get(company, entities.CONTACTS, contact_id)
        account = bank_account(company, element.get("BankAccount"), "BankAccount")
        amounts = amount_type(element.get("LineAmountTypes"))
        lines = element.get("LineItems")
        if not isinstance(lines, list) or not lines:
            raise Invalid("A bank transaction must have at least one line item.")
        if not all(isinstance(line, dict) for line in lines):
            raise Invalid("Each line item must be an object.")
        priced = price_lines(company, lines, amounts, posted=True)
        if priced.total <= ZERO:
            raise Invalid("The total of a bank transaction must be greater than zero.")
        day = document_day(element, "Date", timezone.localdate())
        return {
            "BankTransactionID": new_guid(),
            "Type": kind,
            "Contact": {"ContactID": contact.record_id, "Name": contact.data.get("Name", "")},
            "BankAccount": _ref(account),
            "LineItems": priced.lines,
            "LineAmountTypes": amounts,
            "Date": ms_day(day),
            "Reference": str(element.get("Reference") or "")[:255],
            "CurrencyCode": company.currency,
            "IsReconciled": bool(element.get("IsReconciled", False)),
            "Status": "AUTHORISED",
            "SubTotal": money(priced.sub_total),
            "TotalTax": money(priced.total_tax),
            "Total": money(priced.total),
        }
