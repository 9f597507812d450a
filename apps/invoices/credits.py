"""Credit notes against an invoice and refunds of payments or credit notes (docs/credit-notes.md).

A credit note takes an amount off what its invoice charged; issued, it is allocated to the
invoice up to the amount then due, and whatever is left is the customer's credit, to be paid
back as a refund. A refund pays money back, of a payment or of a credit note's remaining credit;
it changes no invoice's amount due. Each step is one transaction that also records the change
for sync, so an issued credit note or a refund reaches every connected ledger.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.accounts.services import number_allocate
from apps.common.bounds import fits, limit_of, too_large_message, validate_document_numbers
from apps.common.changes import record_change
from apps.common.lines import LineInput, lines_of, save_lines, validate_lines
from apps.common.money import ZERO, round_money

from .models import CreditNote, CreditNoteLine, Invoice, Origin, Payment, Refund

CREDIT_NOTE_KIND = "credit_note"
REFUND_KIND = "refund"
PREFIX = "CN"


# --- the invoice's figures ------------------------------------------------------------------
def invoice_refresh_balance(invoice: Invoice) -> None:
    """Re-derive what was paid, credited and refunded on ``invoice`` (locked by the caller) and
    its paid state from them: paid and credit states are never set by hand."""
    paid = invoice.payments.filter(voided=False).aggregate(s=Sum("amount"))["s"] or ZERO
    credited = (
        invoice.credit_notes.filter(status=CreditNote.Status.ISSUED).aggregate(
            s=Sum("amount_allocated")
        )["s"]
        or ZERO
    )
    refunded = invoice.refunds.filter(voided=False).aggregate(s=Sum("amount"))["s"] or ZERO
    invoice.amount_paid, invoice.amount_credited, invoice.amount_refunded = (
        paid,
        credited,
        refunded,
    )
    if invoice.status not in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED):
        invoice.status = _paid_state(invoice.total, paid, credited)
    invoice.save(
        update_fields=["amount_paid", "amount_credited", "amount_refunded", "status", "updated_at"]
    )


def _paid_state(total: Decimal, paid: Decimal, credited: Decimal) -> str:
    if paid + credited <= 0:
        return Invoice.Status.SENT
    if paid + credited < total:
        return Invoice.Status.PARTIALLY_PAID if paid > 0 else Invoice.Status.SENT
    return Invoice.Status.PAID if paid > 0 else Invoice.Status.CREDITED


# --- credit notes ---------------------------------------------------------------------------
def _record_credit_note(credit_note: CreditNote, *, except_integration_id: int | None = None):
    record_change(
        organisation_id=credit_note.organisation_id,
        kind=CREDIT_NOTE_KIND,
        object_id=credit_note.pk,
        except_integration_id=except_integration_id,
    )


def _credited_before(invoice: Invoice, *, leaving_out: int | None = None) -> Decimal:
    """The totals of the invoice's other issued credit notes."""
    notes = invoice.credit_notes.filter(status=CreditNote.Status.ISSUED).exclude(pk=leaving_out)
    return notes.aggregate(s=Sum("total"))["s"] or ZERO


def _check_creditable(invoice: Invoice, credit_note: CreditNote) -> None:
    """A credit note has something in it and never takes back more than the invoice charged."""
    if credit_note.total <= 0:
        raise ValidationError({"lines": ["The credit note must come to more than zero."]})
    left = invoice.total - _credited_before(invoice, leaving_out=credit_note.pk)
    if credit_note.total > left:
        raise ValidationError(
            {
                "lines": [
                    f"The credit note comes to {credit_note.total} {invoice.currency}, more than "
                    f"the {left} {invoice.currency} of invoice {invoice.number} not credited yet."
                ]
            }
        )


def _locked_invoice(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def credit_note_create(
    *,
    invoice: Invoice,
    lines: list[LineInput] | None = None,
    reason: str = "",
    issue_date: date | None = None,
    by=None,
) -> CreditNote:
    """A credit note against ``invoice``: its whole remaining amount when ``lines`` is None
    (the invoice's lines copied; refused once any part of it was credited), else the lines
    given. Issued at once."""
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": "Keep the reason under 200 characters."})
    with transaction.atomic():
        invoice = _locked_invoice(invoice)
        if not invoice.can_credit:
            raise ValidationError(
                f"Invoice {invoice.number} is {invoice.get_status_display().lower()}"
                + (" and wholly credited" if invoice.amount_credited >= invoice.total else "")
                + ", so no credit note can be issued against it."
            )
        if lines is None:
            if _credited_before(invoice):
                raise ValidationError(
                    "Part of this invoice is credited already: list what the new credit "
                    "note takes back, line by line."
                )
            lines = lines_of(invoice)
        credit_note = CreditNote(
            organisation=invoice.organisation,
            customer=invoice.customer,
            invoice=invoice,
            issue_date=issue_date or invoice.organisation.today(),
            billing_email=invoice.billing_email,
            currency=invoice.currency,
            discount_percent=invoice.discount_percent,
            tax_rate=invoice.tax_rate,
            reason=reason,
        )
        _save_lines(credit_note, lines)
        _check_creditable(invoice, credit_note)
        _issue(invoice, credit_note)
        _record_credit_note(credit_note)
    return credit_note


def _save_lines(credit_note: CreditNote, lines: list[LineInput]) -> None:
    validate_lines(organisation=credit_note.organisation, lines=lines)
    validate_document_numbers(document=credit_note, lines=lines, line_model=CreditNoteLine)
    if not credit_note.number:
        credit_note.number = number_allocate(
            organisation=credit_note.organisation, prefix=PREFIX, model=CreditNote
        )
    credit_note.save()
    save_lines(
        document=credit_note, lines=lines, line_model=CreditNoteLine, parent_field="credit_note"
    )


def _issue(invoice: Invoice, credit_note: CreditNote, allocated: Decimal | None = None) -> None:
    """Allocate the credit note to the invoice, up to what the invoice still owes."""
    if allocated is None:
        allocated = max(min(credit_note.total, invoice.balance), ZERO)
    credit_note.status = CreditNote.Status.ISSUED
    credit_note.issued_at = timezone.now()
    credit_note.amount_allocated = allocated
    credit_note.save(update_fields=["status", "issued_at", "amount_allocated", "updated_at"])
    invoice_refresh_balance(invoice)


def credit_note_void(*, credit_note: CreditNote, by=None, from_integration_id=None) -> CreditNote:
    """Void a credit note: its allocation goes back onto the invoice's amount due. One that was
    partly paid back needs its refunds voided first."""
    with transaction.atomic():
        invoice = _locked_invoice(credit_note.invoice)
        credit_note = CreditNote.objects.select_for_update().get(pk=credit_note.pk)
        if credit_note.status == CreditNote.Status.VOID:
            raise ValidationError(f"Credit note {credit_note.number} is void already.")
        if credit_note.refunds.filter(voided=False).exists():
            raise ValidationError(
                f"Credit note {credit_note.number} was refunded; void its refunds first."
            )
        credit_note.status = CreditNote.Status.VOID
        credit_note.voided_at = timezone.now()
        credit_note.amount_allocated = ZERO
        credit_note.save(update_fields=["status", "voided_at", "amount_allocated", "updated_at"])
        invoice_refresh_balance(invoice)
        _record_credit_note(credit_note, except_integration_id=from_integration_id)
    return credit_note


def credit_note_import(
    *,
    invoice: Invoice,
    number: str,
    issue_date: date,
    lines: list[LineInput],
    allocated: Decimal,
    reason: str = "",
    tax_rate: Decimal | None = None,
    discount_percent: Decimal | None = None,
    from_integration,
) -> CreditNote:
    """A credit note made in an integration against one of the hub's invoices, as the ledger
    has it: its number (suffixed when the hub uses it), its lines, and the amount the ledger
    applied to the invoice (at most what the invoice owes). Recorded for every other
    integration."""
    with transaction.atomic():
        invoice = _locked_invoice(invoice)
        if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED):
            raise ValidationError(
                f"Invoice {invoice.number} is {invoice.get_status_display().lower()}: "
                "a credit note cannot be applied to it."
            )
        taken = CreditNote.objects.filter(organisation=invoice.organisation, number=number)
        credit_note = CreditNote(
            organisation=invoice.organisation,
            customer=invoice.customer,
            invoice=invoice,
            number=(
                f"{number}-{from_integration.provider[:3].upper()}" if taken.exists() else number
            )[:30],
            issue_date=issue_date,
            billing_email=invoice.billing_email,
            currency=invoice.currency,
            discount_percent=invoice.discount_percent
            if discount_percent is None
            else discount_percent,
            tax_rate=invoice.tax_rate if tax_rate is None else tax_rate,
            reason=(reason or "")[:200],
            origin=Origin.INTEGRATION,
            source_integration=from_integration,
        )
        _save_lines(credit_note, lines)
        _check_creditable(invoice, credit_note)
        allocated = max(min(round_money(allocated), credit_note.total, invoice.balance), ZERO)
        _issue(invoice, credit_note, allocated=allocated)
        _record_credit_note(credit_note, except_integration_id=from_integration.pk)
    return credit_note


# --- refunds --------------------------------------------------------------------------------
def money_amount(value) -> Decimal:
    """The amount of a payment or refund (one column, ``MoneyMoved.amount``) to the cent; a
    ValidationError on ``amount`` for anything but a number above zero that the column holds."""
    try:
        amount = round_money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        amount = None
    # NaN comes through the rounding, and comparing it raises: refused before any comparison.
    if amount is None or not amount.is_finite():
        raise ValidationError({"amount": "Enter the amount as a number, e.g. 120.00."})
    if amount <= 0:
        raise ValidationError({"amount": "The amount must be more than zero."})
    if not fits(amount, limit_of(Refund, "amount")):
        raise ValidationError({"amount": too_large_message(limit_of(Refund, "amount"))})
    return amount


def refund_record(
    *,
    amount,
    payment: Payment | None = None,
    credit_note: CreditNote | None = None,
    date: date | None = None,
    method: str = "",
    reference: str = "",
    origin: str = Origin.HUB,
    source_integration=None,
    by=None,
) -> Refund:
    """Pay back part or all of a payment (what is left of it after earlier refunds) or of a
    credit note's remaining credit. Recorded for every integration but the one it came from."""
    if (payment is None) == (credit_note is None):
        raise TypeError("Refund either a payment or a credit note.")
    amount = money_amount(amount)
    if len(method) > 50 or len(reference) > 100:
        raise ValidationError({"reference": "Keep the method and reference short."})
    with transaction.atomic():
        if payment is not None:
            # The payment's lock before its invoice's, as payment_void takes them.
            payment = Payment.objects.select_for_update().get(pk=payment.pk)
            if payment.voided:
                raise ValidationError("This payment is voided: there is nothing to refund.")
            left, what = payment.refundable, "of this payment"
            customer = payment.customer
            invoice = (
                Invoice.objects.select_for_update().get(pk=payment.invoice_id)
                if payment.invoice_id
                else None
            )
        else:
            # The invoice's lock first, as credit_note_void takes them: the other order
            # deadlocks with a void of the same credit note.
            invoice = Invoice.objects.select_for_update().get(pk=credit_note.invoice_id)
            credit_note = CreditNote.objects.select_for_update().get(pk=credit_note.pk)
            if credit_note.status != CreditNote.Status.ISSUED:
                raise ValidationError(f"Credit note {credit_note.number} is not issued.")
            left, what = credit_note.remaining_credit, "of this credit note's remaining credit"
            customer = credit_note.customer
        if amount > left:
            raise ValidationError({"amount": f"At most {left} can be refunded {what}."})
        refund = Refund.objects.create(
            payment=payment,
            credit_note=credit_note,
            invoice=invoice,
            customer=customer,
            amount=amount,
            date=date or customer.organisation.today(),
            method=method,
            reference=reference,
            origin=origin,
            source_integration=source_integration,
        )
        _refresh_refunded(refund)
        if invoice is not None:
            invoice_refresh_balance(invoice)
        _record_refund(refund, source_integration)
    return refund


def refund_void(*, refund: Refund, by=None, from_integration=None) -> Refund:
    with transaction.atomic():
        # The invoice's lock before the refund's and its credit note's, as every other
        # credit-note service takes them (the other order deadlocks with a void).
        invoice = (
            Invoice.objects.select_for_update().get(pk=refund.invoice_id)
            if refund.invoice_id
            else None
        )
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.voided:
            raise ValidationError("This refund is already voided.")
        refund.voided = True
        refund.save(update_fields=["voided"])
        _refresh_refunded(refund)
        if invoice is not None:
            invoice_refresh_balance(invoice)
        _record_refund(refund, from_integration)
    return refund


def _refresh_refunded(refund: Refund) -> None:
    if refund.credit_note_id:
        note = refund.credit_note
        note.amount_refunded = (
            note.refunds.filter(voided=False).aggregate(s=Sum("amount"))["s"] or ZERO
        )
        note.save(update_fields=["amount_refunded", "updated_at"])


def _record_refund(refund: Refund, from_integration=None) -> None:
    record_change(
        organisation_id=refund.customer.organisation_id,
        kind=REFUND_KIND,
        object_id=refund.pk,
        except_integration_id=from_integration.pk if from_integration else None,
    )
