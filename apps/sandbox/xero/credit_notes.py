"""Sales and purchase credit notes and their allocations to invoices.

https://developer.xero.com/documentation/api/accounting/creditnotes

A credit note is written like an invoice (contact, lines, LineAmountTypes, the same statuses
and the same refusals once something is applied to it). Its credit is used in two ways, each
lowering its RemainingCredit until it is PAID:

- an allocation to an invoice of the same contact (PUT /CreditNotes/{id}/Allocations), which
  raises the invoice's AmountCredited and lowers its AmountDue;
- a cash refund: a Payment naming the credit note instead of an invoice (apps/sandbox/xero/
  payments.py).

The rules and their sources are listed in docs/sandbox-xero.md ("Credit notes").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.common.money import ZERO, round_money
from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import entities
from .documents import (
    document_day,
    next_document_number,
    number_taken,
    set_day,
)
from .errors import Invalid
from .formats import money, ms_day, new_guid, parse_decimal
from .invoices import (
    STATUSES,
    ContactDocumentKind,
    changes_content,
    check_transition,
    invoice_apply_credit,
    payments_listed,
)
from .kinds import Kind, choice, merged

TYPES = ("ACCRECCREDIT", "ACCPAYCREDIT")
# The invoice type each credit note type may be allocated to.
INVOICE_TYPE = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}
_COMPUTED = (
    "CreditNoteID",
    "SubTotal",
    "TotalTax",
    "Total",
    "RemainingCredit",
    "AppliedAmount",
    "Payments",
    "FullyPaidOnDate",
    "DateString",
    "DueDateString",
)
# Xero's refusals of an allocation, as its API words them: "Credit Note cannot be allocated as
# amount is greater than amount outstanding" for more than the credit note has left
# (calcinai/xero-php#251) or than the invoice still owes, "The invoice you are trying to
# allocate to has already been paid off" and "Credit Note cannot be allocated to an incorrect
# invoice type" (waynerobinson/xeroizer#320, a sales credit note against a bill).
MORE_THAN_OUTSTANDING = (
    "Credit Note cannot be allocated as amount is greater than amount outstanding"
)
ALREADY_PAID_OFF = "The invoice you are trying to allocate to has already been paid off"
WRONG_INVOICE_TYPE = "Credit Note cannot be allocated to an incorrect invoice type"
# "The allocation cannot be applied at the same time the Credit Note is created by the API"
# (Xero support, quoted in waynerobinson/xeroizer#196): Xero ignores Allocations sent with a
# credit note. The sandbox refuses them so that a client relying on them shows in its tests.
ALLOCATE_SEPARATELY = (
    "Allocations cannot be given with the credit note; "
    "allocate it with PUT /CreditNotes/{CreditNoteID}/Allocations."
)


class CreditNoteKind(ContactDocumentKind):
    entity = entities.CREDIT_NOTES
    sales_type = "ACCRECCREDIT"
    types = TYPES
    id_field = "CreditNoteID"
    shape = "CreditNote"
    enums = {"Type": TYPES, "Status": STATUSES}

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        if element.get("Allocations"):
            raise Invalid(ALLOCATE_SEPARATELY)
        before = (current or {}).get("Status")
        refunded, allocated = _used(current or {})
        status = choice(element.get("Status", before or "DRAFT"), STATUSES, "Status")
        check_transition(
            before,
            status,
            refunded,
            allocated,
            changes_content=changes_content(element),
            what="credit note",
        )
        data = merged(current or _new_credit_note(), element, *_COMPUTED, "Allocations")
        self.fill(company, data, status, current)
        _number(company, data)
        if Decimal(str(data["Total"])) < refunded + allocated:
            raise Invalid(
                "The credit note total cannot be less than the amount already allocated or "
                "refunded."
            )
        return credit_note_settled(data)


def _new_credit_note() -> dict[str, Any]:
    return {
        "CreditNoteID": new_guid(),
        "Allocations": [],
        "Payments": [],
        "SentToContact": False,
        "HasAttachments": False,
        "HasErrors": False,
    }


def _used(data: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """(refunded, allocated): what the credit note's payments and allocations took."""
    refunded = sum((Decimal(str(p["Amount"])) for p in data.get("Payments", [])), ZERO)
    allocated = sum((Decimal(str(a["Amount"])) for a in data.get("Allocations", [])), ZERO)
    return refunded, allocated


def _number(company: SandboxCompany, data: dict[str, Any]) -> None:
    # "ACCRECCREDIT – Unique alpha numeric code identifying credit note (when missing will
    # auto-generate from your Organisation Invoice Settings)" (CreditNote, xero_accounting.yaml).
    number = str(data.get("CreditNoteNumber") or "").strip()
    if not number and data["Type"] == "ACCRECCREDIT":
        number = next_document_number(company, entities.CREDIT_NOTES, "CreditNoteNumber", "CN")
    elif data["Type"] == "ACCRECCREDIT" and number_taken(
        company,
        entities.CREDIT_NOTES,
        "CreditNoteNumber",
        number,
        exclude_id=data["CreditNoteID"],
    ):
        raise Invalid("Credit Note # must be unique.")
    data["CreditNoteNumber"] = number


def credit_note_settled(data: dict[str, Any]) -> dict[str, Any]:
    """RemainingCredit (Total less what was allocated or refunded; nothing once voided or
    deleted); PAID when nothing is left of an approved one, AUTHORISED again when something
    is. Changes ``data`` and returns it."""
    refunded, allocated = _used(data)
    remaining = round_money(Decimal(str(data["Total"])) - refunded - allocated)
    if data["Status"] in ("VOIDED", "DELETED"):
        remaining = ZERO
    data["RemainingCredit"] = money(remaining)
    if data["Status"] == "AUTHORISED" and remaining == ZERO:
        data["Status"] = "PAID"
        set_day(data, "FullyPaidOnDate", timezone.localdate())
        data.pop("FullyPaidOnDateString", None)
    elif data["Status"] == "PAID" and remaining > ZERO:
        data["Status"] = "AUTHORISED"
        data.pop("FullyPaidOnDate", None)
    return data


def credit_note_apply_payment(
    note: SandboxRecord, payment: dict[str, Any], *, reverse: bool
) -> None:
    """Record (or take back) a cash refund of the credit note: its Payments list and
    RemainingCredit."""
    data = dict(note.data)
    data["Payments"] = payments_listed(data, payment, reverse=reverse)
    store.record_save(record=note, data=credit_note_settled(data))


def authorised_credit_note(company: SandboxCompany, given: dict[str, Any]) -> SandboxRecord:
    """The credit note a payment or an allocation names (by CreditNoteID or
    CreditNoteNumber), locked; ``Invalid`` unless it is there and approved."""
    note = entities.named_locked(
        company, entities.CREDIT_NOTES, given, "CreditNoteID", "CreditNoteNumber"
    )
    if note is None:
        raise Invalid("A CreditNote must be specified by a valid CreditNoteID or CreditNoteNumber.")
    # Only approved credit notes give credit (https://help.xero.com/au/Payments_AllocateCredit);
    # a PAID one has none left and is refused for its amount instead.
    if note.data["Status"] not in ("AUTHORISED", "PAID"):
        raise Invalid(
            "Payments and allocations can only be made against Authorised credit notes "
            f"(this one is {note.data['Status']})."
        )
    return note


class AllocationKind(Kind):
    """One allocation of the credit note named by the request's path to an invoice. Created
    only: Xero changes an allocation by deleting it."""

    entity = entities.ALLOCATIONS
    id_field = "AllocationID"
    shape = "Allocation"

    def __init__(self, credit_note_id: str) -> None:
        self.credit_note_id = credit_note_id

    def find(self, company: SandboxCompany, element: dict[str, Any]) -> SandboxRecord | None:
        return None

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        note = authorised_credit_note(company, {"CreditNoteID": self.credit_note_id})
        invoice = _invoice(company, element.get("Invoice") or {})
        amount = parse_decimal(element.get("Amount"))
        if amount is None or amount <= ZERO:
            raise Invalid("Amount must be greater than zero.")
        problems = _allocation_problems(note.data, invoice.data, amount)
        if problems:
            raise Invalid(*problems)
        # Date is required of an allocation (Allocation, required: Amount, Invoice, Date in
        # tests/sandbox/xero/spec/xero_accounting.yaml): Xero does not take it as today.
        on = document_day(element, "Date", None)
        if on is None:
            raise Invalid("Date is required.")
        return {
            "AllocationID": new_guid(),
            "Amount": money(amount),
            "Date": ms_day(on),
            "Invoice": {
                "InvoiceID": invoice.record_id,
                "InvoiceNumber": invoice.data["InvoiceNumber"],
            },
            "CreditNote": {
                "CreditNoteID": note.record_id,
                "CreditNoteNumber": note.data["CreditNoteNumber"],
            },
            "IsDeleted": False,
        }

    def after_save(
        self, company: SandboxCompany, record: SandboxRecord, before: dict[str, Any] | None
    ) -> None:
        allocation = record.data
        note = entities.get(company, entities.CREDIT_NOTES, self.credit_note_id, for_update=True)
        invoice_id = allocation["Invoice"]["InvoiceID"]
        invoice = entities.get(company, entities.INVOICES, invoice_id, for_update=True)
        data = dict(note.data)
        data["Allocations"] = [
            *data.get("Allocations", []),
            {
                "AllocationID": allocation["AllocationID"],
                "Amount": allocation["Amount"],
                "Date": allocation["Date"],
                "Invoice": allocation["Invoice"],
            },
        ]
        store.record_save(record=note, data=credit_note_settled(data))
        invoice_apply_credit(invoice, note.data, allocation)

    def present(self, company: SandboxCompany, record: SandboxRecord) -> dict[str, Any]:
        return dict(record.data)  # an allocation carries no UpdatedDateUTC


def allocation_delete(
    company: SandboxCompany, note_id: str, allocation_id: str
) -> dict[str, Any] | None:
    """DELETE /CreditNotes/{id}/Allocations/{AllocationID}: the credit goes back to the credit
    note and the amount back onto the invoice. The deleted allocation (``IsDeleted``), or None
    when the credit note has no such allocation."""
    with transaction.atomic():
        note = entities.get(company, entities.CREDIT_NOTES, note_id, for_update=True)
        data = dict(note.data) if note is not None else {}
        allocations = data.get("Allocations", [])
        wanted = str(allocation_id).lower()
        gone = next((a for a in allocations if a["AllocationID"] == wanted), None)
        if gone is None:
            return None
        data["Allocations"] = [a for a in allocations if a is not gone]
        store.record_save(record=note, data=credit_note_settled(data))
        invoice_id = gone["Invoice"]["InvoiceID"]
        invoice = entities.get(company, entities.INVOICES, invoice_id, for_update=True)
        taken_back = {**gone, "Amount": -Decimal(str(gone["Amount"]))}
        invoice_apply_credit(invoice, note.data, taken_back)
        record = entities.get(company, entities.ALLOCATIONS, gone["AllocationID"], for_update=True)
        if record is not None:
            store.record_save(record=record, data={**record.data, "IsDeleted": True})
    return {**gone, "IsDeleted": True}


def _invoice(company: SandboxCompany, given: dict[str, Any]) -> SandboxRecord:
    invoice = entities.named_locked(company, entities.INVOICES, given, "InvoiceID", "InvoiceNumber")
    if invoice is None:
        raise Invalid("An Invoice must be specified by a valid InvoiceID or InvoiceNumber.")
    return invoice


def _allocation_problems(note: dict[str, Any], invoice: dict[str, Any], amount) -> list[str]:
    problems: list[str] = []
    if INVOICE_TYPE[note["Type"]] != invoice["Type"]:
        problems.append(WRONG_INVOICE_TYPE)
    # Xero's allocation screen offers only the contact's own outstanding invoices
    # (https://help.xero.com/au/Payments_AllocateCredit); Xero does not publish the API's
    # wording for another contact's invoice, so this one is ours.
    if note["Contact"]["ContactID"] != invoice["Contact"]["ContactID"]:
        problems.append("A credit note can only be allocated to an invoice of the same contact.")
    if invoice["Status"] == "PAID":
        problems.append(ALREADY_PAID_OFF)
    elif invoice["Status"] != "AUTHORISED":
        # "Credit can only be allocated for invoices, bills and credit notes that have been
        # approved" (https://help.xero.com/au/Payments_AllocateCredit).
        problems.append(
            "Credit notes can only be allocated to Authorised invoices "
            f"(this one is {invoice['Status']})."
        )
    remaining = Decimal(str(note["RemainingCredit"]))
    if amount > remaining or amount > Decimal(str(invoice.get("AmountDue", 0))):
        problems.append(MORE_THAN_OUTSTANDING)
    return problems
