"""Sales invoices: https://developer.xero.com/documentation/api/accounting/invoices

Statuses move as in Xero: a draft or submitted invoice may be approved or deleted; an approved
(AUTHORISED) one may be voided while no payment is applied; payments that settle it make it PAID,
and deleting such a payment makes it AUTHORISED again.
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


class InvoiceKind(Kind):
    entity = entities.INVOICES
    id_field = "InvoiceID"
    shape = "Invoice"
    enums = {"Type": TYPES, "Status": STATUSES}

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        before = (current or {}).get("Status")
        paid = Decimal(str((current or {}).get("AmountPaid", 0)))
        status = choice(element.get("Status", before or "DRAFT"), STATUSES, "Status")
        _check_transition(before, status, paid, changes_content=_changes_content(element))
        data = merged(current or _new_invoice(), element, *_COMPUTED)
        data["Type"] = choice(data.get("Type"), TYPES, "Type")
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
        )
        if "DueDate" not in data and status != "DRAFT":
            set_day(data, "DueDate", due_by_default(data))
        _number(company, data)
        total = Decimal(str(data["Total"]))
        if total < paid:
            raise Invalid("The invoice total cannot be less than the amount already paid.")
        data["AmountDue"] = money(ZERO if status in ("VOIDED", "DELETED") else total - paid)
        return data

    def after_save(
        self, company: SandboxCompany, record: SandboxRecord, before: dict[str, Any] | None
    ) -> None:
        if before is None and record.data["Type"] == "ACCREC":
            contact_mark_customer(company, record.data["Contact"]["ContactID"])

    def present(self, company: SandboxCompany, record: SandboxRecord) -> dict[str, Any]:
        return with_contact(company, super().present(company, record))


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


def _changes_content(element: dict[str, Any]) -> bool:
    return any(key in element for key in ("LineItems", "Contact", "LineAmountTypes", "Date"))


def _check_transition(
    before: str | None, status: str, paid: Decimal, *, changes_content: bool
) -> None:
    if before in ("PAID", "VOIDED", "DELETED"):
        raise Invalid(
            f"This document cannot be edited as it has a status of {before.capitalize()}."
        )
    if status == "VOIDED" and paid > ZERO:
        raise Invalid(
            "This document cannot be voided as it has a payment allocated to it. "
            "Remove the payment first."
        )
    if paid > ZERO and changes_content:
        raise Invalid("This document cannot be edited as it has a payment allocated to it.")
    if status not in TRANSITIONS[before]:
        if status == "DELETED":
            raise Invalid("Only DRAFT and SUBMITTED invoices can be deleted; void it instead.")
        if status == "VOIDED":
            raise Invalid("Only AUTHORISED invoices can be voided; delete it instead.")
        raise Invalid(f"Invoice not of valid status for modification ({before} to {status}).")


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
    due = round_money(Decimal(str(data["Total"])) - paid)
    others = [p for p in data.get("Payments", []) if p["PaymentID"] != payment["PaymentID"]]
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
    data.update(Payments=others, AmountPaid=money(paid), AmountDue=money(due))
    if due == ZERO:
        data["Status"] = "PAID"
        set_day(data, "FullyPaidOnDate", timezone.localdate())
        data.pop("FullyPaidOnDateString", None)
    elif data["Status"] == "PAID":
        data["Status"] = "AUTHORISED"
        data.pop("FullyPaidOnDate", None)
    store.record_save(record=invoice, data=data)
