"""Sales invoices: https://developer.xero.com/documentation/api/accounting/invoices

Statuses move as in Xero: a draft or submitted invoice may be approved or deleted; an approved
(AUTHORISED) one may be voided while no payment or credit note is applied; payments and credit
note allocations that settle it make it PAID, and deleting such a payment makes it AUTHORISED
again. AmountDue is Total less AmountPaid less AmountCredited (docs/sandbox-xero.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.common.money import ZERO, round_money
from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import entities
from .contacts import contact_mark_customer
from .documents import (
    due_by_default,
    fill_document,
    next_document_number,
    number_taken,
    set_day,
    with_contact,
)
from .errors import Invalid
from .formats import money, new_guid
from .kinds import Kind, choice, merged
from .lines import amount_type

STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
TYPES = ("ACCREC", "ACCPAY")
# Where a client may move an invoice; PAID is reached only through payments.
TRANSITIONS = {
    None: {"DRAFT", "SUBMITTED", "AUTHORISED"},
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
    "PAID": set(),
    "VOIDED": set(),
    "DELETED": set(),
}
# Xero's words for a document with a credit note allocated (waynerobinson/xeroizer#211 quotes
# the edit refusal); the void refusal follows the payment one above.
CREDITED_EDIT = "This document cannot be edited as it has a payment or credit note allocated to it."
CREDITED_VOID = (
    "This document cannot be voided as it has a credit note allocated to it. "
    "Remove the allocation first."
)
_COMPUTED = (
    "InvoiceID",
    "SubTotal",
    "TotalTax",
    "Total",
    "TotalDiscount",
    "AmountDue",
    "AmountPaid",
    "AmountCredited",
    "Payments",
    "Prepayments",
    "Overpayments",
    "CreditNotes",
    "FullyPaidOnDate",
    "IsDiscounted",
    "DateString",
    "DueDateString",
)


class ContactDocumentKind(Kind):
    """A document of a contact (invoice, credit note): its sales type marks the contact a
    customer, and it is shown with its contact spelled out."""

    sales_type: str
    types: tuple[str, ...]

    def fill(
        self,
        company: SandboxCompany,
        data: dict[str, Any],
        status: str,
        current: dict[str, Any] | None,
    ) -> None:
        """Type, Status, LineAmountTypes, contact, dates, lines and totals, in place."""
        data["Type"] = choice(data.get("Type"), self.types, "Type")
        data["Status"] = status
        amounts = amount_type(data.get("LineAmountTypes"))
        data["LineAmountTypes"] = amounts
        fill_document(
            company,
            data,
            amounts=amounts,
            posted=status in ("SUBMITTED", "AUTHORISED"),
            due_field="DueDate",
            contact_before=((current or {}).get("Contact") or {}).get("ContactID"),
            customer=data["Type"] == self.sales_type,
        )

    def after_save(
        self, company: SandboxCompany, record: SandboxRecord, before: dict[str, Any] | None
    ) -> None:
        if before is None and record.data["Type"] == self.sales_type:
            contact_mark_customer(company, record.data["Contact"]["ContactID"])

    def present(self, company: SandboxCompany, record: SandboxRecord) -> dict[str, Any]:
        return with_contact(company, super().present(company, record))


class InvoiceKind(ContactDocumentKind):
    entity = entities.INVOICES
    sales_type = "ACCREC"
    types = TYPES
    id_field = "InvoiceID"
    shape = "Invoice"
    enums = {"Type": TYPES, "Status": STATUSES}

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        before = (current or {}).get("Status")
        paid = Decimal(str((current or {}).get("AmountPaid", 0)))
        credited = Decimal(str((current or {}).get("AmountCredited", 0)))
        status = choice(element.get("Status", before or "DRAFT"), STATUSES, "Status")
        check_transition(before, status, paid, credited, changes_content=changes_content(element))
        data = merged(current or _new_invoice(), element, *_COMPUTED)
        self.fill(company, data, status, current)
        if "DueDate" not in data and status != "DRAFT":
            set_day(data, "DueDate", due_by_default(data))
        _number(company, data)
        total = Decimal(str(data["Total"]))
        if total < paid:
            raise Invalid("The invoice total cannot be less than the amount already paid.")
        settled = paid + credited
        data["AmountDue"] = money(ZERO if status in ("VOIDED", "DELETED") else total - settled)
        return data


def _new_invoice() -> dict[str, Any]:
    return {
        "InvoiceID": new_guid(),
        "AmountPaid": 0.0,
        "AmountCredited": 0.0,
        "Payments": [],
        "Prepayments": [],
        "Overpayments": [],
        "CreditNotes": [],
        "SentToContact": False,
        "IsDiscounted": False,
        "HasAttachments": False,
        "HasErrors": False,
    }


def changes_content(element: dict[str, Any]) -> bool:
    return any(key in element for key in ("LineItems", "Contact", "LineAmountTypes", "Date"))


def check_transition(
    before: str | None,
    status: str,
    paid: Decimal,
    credited: Decimal,
    *,
    changes_content: bool,
    what: str = "invoice",
) -> None:
    """Refuses a status change or an edit Xero refuses (invoices and credit notes alike)."""
    if before in ("PAID", "VOIDED", "DELETED"):
        raise Invalid(
            f"This document cannot be edited as it has a status of {before.capitalize()}."
        )
    if status == "VOIDED" and paid > ZERO:
        raise Invalid(
            "This document cannot be voided as it has a payment allocated to it. "
            "Remove the payment first."
        )
    if status == "VOIDED" and credited > ZERO:
        raise Invalid(CREDITED_VOID)
    if paid > ZERO and changes_content:
        raise Invalid("This document cannot be edited as it has a payment allocated to it.")
    if credited > ZERO and changes_content:
        raise Invalid(CREDITED_EDIT)
    if status not in TRANSITIONS[before]:
        if status == "DELETED":
            raise Invalid(f"Only DRAFT and SUBMITTED {what}s can be deleted; void it instead.")
        if status == "VOIDED":
            raise Invalid(f"Only AUTHORISED {what}s can be voided; delete it instead.")
        raise Invalid(
            f"{what.capitalize()} not of valid status for modification ({before} to {status})."
        )


def _number(company: SandboxCompany, data: dict[str, Any]) -> None:
    number = str(data.get("InvoiceNumber") or "").strip()
    if not number:
        number = next_document_number(company, entities.INVOICES, "InvoiceNumber", "INV")
    elif data["Type"] == "ACCREC" and number_taken(
        company, entities.INVOICES, "InvoiceNumber", number, exclude_id=data["InvoiceID"]
    ):
        raise Invalid("Invoice # must be unique.")
    data["InvoiceNumber"] = number


def invoice_apply_payment(
    invoice: SandboxRecord, payment: dict[str, Any], *, reverse: bool
) -> None:
    """Record (or take back) a payment on its invoice: AmountPaid, AmountDue, the Payments
    list, and the status PAID when nothing is left to pay."""
    data = dict(invoice.data)
    amount = Decimal(str(payment["Amount"])) * (-1 if reverse else 1)
    paid = round_money(Decimal(str(data.get("AmountPaid", 0))) + amount)
    data.update(Payments=payments_listed(data, payment, reverse=reverse), AmountPaid=money(paid))
    store.record_save(record=invoice, data=invoice_settled(data))


def payments_listed(
    document: dict[str, Any], payment: dict[str, Any], *, reverse: bool
) -> list[dict[str, Any]]:
    """The document's Payments list with this payment added (or taken out)."""
    others = [p for p in document.get("Payments", []) if p["PaymentID"] != payment["PaymentID"]]
    if not reverse:
        others.append(
            {
                "PaymentID": payment["PaymentID"],
                "Date": payment["Date"],
                "Amount": payment["Amount"],
                "Reference": payment.get("Reference", ""),
                "CurrencyRate": 1.0,
                "HasAccount": True,
                "HasValidationErrors": False,
            }
        )
    return others


def invoice_apply_credit(
    invoice: SandboxRecord, credit_note: dict[str, Any], allocation: dict[str, Any]
) -> None:
    """Record a credit note allocated to the invoice (a negative amount: an allocation
    deleted): its CreditNotes list, AmountCredited, AmountDue and the status PAID when nothing
    is left to pay."""
    data = dict(invoice.data)
    applied = Decimal(str(allocation["Amount"]))
    notes = [dict(n) for n in data.get("CreditNotes", [])]
    mine = next((n for n in notes if n["CreditNoteID"] == credit_note["CreditNoteID"]), None)
    if mine is None:
        mine = {
            "CreditNoteID": credit_note["CreditNoteID"],
            "CreditNoteNumber": credit_note["CreditNoteNumber"],
            "Date": allocation["Date"],
            "Total": credit_note["Total"],
            "AppliedAmount": 0.0,
            "LineItems": [],
        }
        notes.append(mine)
    mine["AppliedAmount"] = money(Decimal(str(mine["AppliedAmount"])) + applied)
    if not mine["AppliedAmount"]:
        notes.remove(mine)  # its last allocation was deleted
    credited = Decimal(str(data.get("AmountCredited", 0))) + applied
    data.update(CreditNotes=notes, AmountCredited=money(credited))
    store.record_save(record=invoice, data=invoice_settled(data))


def invoice_settled(data: dict[str, Any]) -> dict[str, Any]:
    """AmountDue from Total, AmountPaid and AmountCredited; PAID (with its FullyPaidOnDate)
    when nothing is left, AUTHORISED again when something is. Changes ``data`` and returns it."""
    paid = Decimal(str(data.get("AmountPaid", 0)))
    credited = Decimal(str(data.get("AmountCredited", 0)))
    due = round_money(Decimal(str(data["Total"])) - paid - credited)
    data["AmountDue"] = money(due)
    if due == ZERO:
        data["Status"] = "PAID"
        set_day(data, "FullyPaidOnDate", timezone.localdate())
        data.pop("FullyPaidOnDateString", None)
    elif data["Status"] == "PAID":
        data["Status"] = "AUTHORISED"
        data.pop("FullyPaidOnDate", None)
    return data
