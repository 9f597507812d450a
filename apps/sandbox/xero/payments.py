"""Payments against sales invoices, and cash refunds of credit notes:
https://developer.xero.com/documentation/api/accounting/payments

A payment is created once; afterwards the only change Xero accepts is ``Status: DELETED``, which
takes the amount back off its invoice (or gives it back to its credit note).

A payment naming a ``CreditNote`` instead of an ``Invoice`` is a cash refund of that credit
("Payments can be applied to ... credit notes", the page above; its ``PaymentType`` is
ARCREDITPAYMENT, an enum value of Payment in xero_accounting.yaml): the money leaves the bank
account and the credit note's RemainingCredit falls by the amount.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.common.money import ZERO
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import entities
from .credit_notes import authorised_credit_note, credit_note_apply_payment
from .documents import document_day, with_contact
from .errors import Invalid
from .formats import money, ms_day, new_guid, parse_decimal
from .invoices import invoice_apply_payment
from .kinds import Kind, choice

PAYMENT_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
}
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
        if element.get("CreditNote") and not element.get("Invoice"):
            document, outstanding = _credit_note(company, element)
        else:
            document = _invoice(company, element)
            outstanding = Decimal(str(document.data["AmountDue"]))
        account = _account(company, element.get("Account"))
        amount = parse_decimal(element.get("Amount"))
        if amount is None or amount <= ZERO:
            raise Invalid("Payment amount must be greater than zero.")
        if amount > outstanding:
            raise Invalid("Payment amount exceeds the amount outstanding on this document.")
        paid_on = document_day(element, "Date", timezone.localdate())
        payment = {
            "PaymentID": new_guid(),
            "Date": ms_day(paid_on),
            "Amount": money(amount),
            "BankAmount": money(amount),
            "CurrencyRate": 1.0,
            "Reference": str(element.get("Reference") or ""),
            "IsReconciled": bool(element.get("IsReconciled", False)),
            "Status": "AUTHORISED",
            "PaymentType": PAYMENT_TYPES[document.data["Type"]],
            "HasAccount": True,
            "HasValidationErrors": False,
            "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
        }
        if document.entity == entities.CREDIT_NOTES:
            payment["CreditNote"] = {
                "CreditNoteID": document.record_id,
                "CreditNoteNumber": document.data["CreditNoteNumber"],
                "Type": document.data["Type"],
                "Contact": document.data["Contact"],
            }
        else:
            payment["Invoice"] = {
                "InvoiceID": document.record_id,
                "InvoiceNumber": document.data["InvoiceNumber"],
                "Type": document.data["Type"],
                "Contact": document.data["Contact"],
            }
        return payment

    def after_save(
        self, company: SandboxCompany, record: SandboxRecord, before: dict[str, Any] | None
    ) -> None:
        if before is None:
            reverse = False
        elif before["Status"] != "DELETED" and record.data["Status"] == "DELETED":
            reverse = True
        else:
            return
        if "CreditNote" in record.data:
            note_id = record.data["CreditNote"]["CreditNoteID"]
            note = entities.get(company, entities.CREDIT_NOTES, note_id, for_update=True)
            credit_note_apply_payment(note, record.data, reverse=reverse)
            return
        invoice_id = record.data["Invoice"]["InvoiceID"]
        invoice = entities.get(company, entities.INVOICES, invoice_id, for_update=True)
        invoice_apply_payment(invoice, record.data, reverse=reverse)

    def present(self, company: SandboxCompany, record: SandboxRecord) -> dict[str, Any]:
        data = super().present(company, record)
        field = "CreditNote" if "CreditNote" in data else "Invoice"
        return {**data, field: with_contact(company, data[field])}


def _deleted(current: dict[str, Any], element: dict[str, Any]) -> dict[str, Any]:
    status = choice(element.get("Status", current["Status"]), STATUSES, "Status")
    if current["Status"] == "DELETED" and status != "DELETED":
        raise Invalid("A deleted payment cannot be changed.")
    changed = set(element) - {"PaymentID", "Status"}
    if changed:
        raise Invalid("A payment cannot be edited; only its Status can be set to DELETED.")
    return {**current, "Status": status}


def _credit_note(company: SandboxCompany, element: dict[str, Any]) -> tuple[SandboxRecord, Decimal]:
    """The credit note a cash refund names, and the credit it has left to refund."""
    given = dict(element.get("CreditNote") or {})
    if not given.get("CreditNoteID") and element.get("CreditNoteNumber"):
        given["CreditNoteNumber"] = element["CreditNoteNumber"]
    note = authorised_credit_note(company, given)
    return note, Decimal(str(note.data["RemainingCredit"]))


def _invoice(company: SandboxCompany, element: dict[str, Any]) -> SandboxRecord:
    given = element.get("Invoice") or {}
    number = given.get("InvoiceNumber") or element.get("InvoiceNumber")
    invoice = entities.named_locked(
        company, entities.INVOICES, given, "InvoiceID", "InvoiceNumber", number
    )
    if invoice is None:
        raise Invalid("An Invoice must be specified by a valid InvoiceID or InvoiceNumber.")
    if invoice.data["Status"] != "AUTHORISED":
        raise Invalid(
            "Payments can only be made against Authorised documents "
            f"(this one is {invoice.data['Status']})."
        )
    return invoice


def _account(company: SandboxCompany, given: object) -> dict[str, Any]:
    account = entities.account_given(company, given)
    if account is None:
        raise Invalid("An Account must be specified by a valid AccountID or Code.")
    # The payment's account must be a BANK account or one with payments enabled
    # (EnablePaymentsToAccount): https://developer.xero.com/documentation/api/accounting/payments
    # (Account); refunds of credit notes alike.
    if account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
        raise Invalid("Account type is invalid for making a payment to/from")
    return account
