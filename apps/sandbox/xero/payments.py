"""Payments against sales invoices: https://developer.xero.com/documentation/api/accounting/payments

A payment is created once; afterwards the only change Xero accepts is ``Status: DELETED``, which
takes the amount back off its invoice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.common.money import ZERO
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import entities
from .documents import document_day, with_contact
from .errors import Invalid
from .formats import money, ms_day, new_guid, parse_decimal
from .invoices import invoice_apply_payment
from .kinds import Kind, choice

PAYMENT_TYPES = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT"}
STATUSES = ("AUTHORISED", "DELETED")


class PaymentKind(Kind):
    entity = entities.PAYMENTS
    id_field = "PaymentID"
    shape = "Payment"
    enums = {"Status": STATUSES}

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        if current is not None:
            return _deleted(current, element)
        invoice = _invoice(company, element)
        account = _account(company, element.get("Account"))
        amount = parse_decimal(element.get("Amount"))
        if amount is None or amount <= ZERO:
            raise Invalid("Payment amount must be greater than zero.")
        if amount > Decimal(str(invoice.data["AmountDue"])):
            raise Invalid("Payment amount exceeds the amount outstanding on this document.")
        paid_on = document_day(element, "Date", timezone.localdate())
        return {
            "PaymentID": new_guid(),
            "Date": ms_day(paid_on),
            "Amount": money(amount),
            "BankAmount": money(amount),
            "CurrencyRate": 1.0,
            "Reference": str(element.get("Reference") or ""),
            "IsReconciled": bool(element.get("IsReconciled", False)),
            "Status": "AUTHORISED",
            "PaymentType": PAYMENT_TYPES[invoice.data["Type"]],
            "HasAccount": True,
            "HasValidationErrors": False,
            "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
            "Invoice": {
                "InvoiceID": invoice.record_id,
                "InvoiceNumber": invoice.data["InvoiceNumber"],
                "Type": invoice.data["Type"],
                "Contact": invoice.data["Contact"],
            },
        }

    def after_save(
        self, company: SandboxCompany, record: SandboxRecord, before: dict[str, Any] | None
    ) -> None:
        invoice_id = record.data["Invoice"]["InvoiceID"]
        invoice = entities.get(company, entities.INVOICES, invoice_id, for_update=True)
        if before is None:
            invoice_apply_payment(invoice, record.data, reverse=False)
        elif before["Status"] != "DELETED" and record.data["Status"] == "DELETED":
            invoice_apply_payment(invoice, record.data, reverse=True)

    def present(self, company: SandboxCompany, record: SandboxRecord) -> dict[str, Any]:
        data = super().present(company, record)
        return {**data, "Invoice": with_contact(company, data["Invoice"])}


def _deleted(current: dict[str, Any], element: dict[str, Any]) -> dict[str, Any]:
    status = choice(element.get("Status", current["Status"]), STATUSES, "Status")
    if current["Status"] == "DELETED" and status != "DELETED":
        raise Invalid("A deleted payment cannot be changed.")
    changed = set(element) - {"PaymentID", "Status"}
    if changed:
        raise Invalid("A payment cannot be edited; only its Status can be set to DELETED.")
    return {**current, "Status": status}


def _invoice(company: SandboxCompany, element: dict[str, Any]) -> SandboxRecord:
    given = element.get("Invoice") or {}
    invoice = None
    if given.get("InvoiceID"):
        invoice = entities.get(company, entities.INVOICES, given["InvoiceID"], for_update=True)
    else:
        number = given.get("InvoiceNumber") or element.get("InvoiceNumber")
        found = entities.find_by(company, entities.INVOICES, "InvoiceNumber", number)
        if found is not None:
            invoice = entities.get(company, entities.INVOICES, found.record_id, for_update=True)
    if invoice is None:
        raise Invalid("An Invoice must be specified by a valid InvoiceID or InvoiceNumber.")
    if invoice.data["Status"] != "AUTHORISED":
        raise Invalid(
            "Payments can only be made against Authorised documents "
            f"(this one is {invoice.data['Status']})."
        )
    return invoice


def _account(company: SandboxCompany, given: object) -> dict[str, Any]:
    given = given if isinstance(given, dict) else {}
    account = None
    if given.get("AccountID"):
        found = entities.get(company, entities.ACCOUNTS, given["AccountID"])
        account = found.data if found else None
    elif given.get("Code"):
        account = entities.account_by_code(company, given["Code"])
    if account is None:
        raise Invalid("An Account must be specified by a valid AccountID or Code.")
    if account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
        raise Invalid("Account type is invalid for making a payment to/from")
    return account
