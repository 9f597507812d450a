"""Demo data: a credit note and a refund in each demo organisation (``manage.py seed_demo``).

A paid invoice gets a partial credit note (one unit of its first line: "returned unused"), and
the customer is paid back that credit: the credit note's refund (docs/credit-notes.md). It runs
after the demo's ledgers are connected, so both are queued to every ledger that takes them, like
any credit note staff issue on the invoice page. An organisation that has a credit note already
gets none (running ``seed_demo`` again adds nothing)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from apps.common.lines import LineInput
from apps.invoices.credits import credit_note_create, refund_record
from apps.invoices.models import CreditNote, Invoice

REASON = "Part returned unused"


def credit_note_and_refund(organisation, *, method: str) -> CreditNote | None:
    """The demo's credit note, made the first time: one unit of the first line of the oldest
    paid invoice, its whole credit refunded by ``method``. None when there is no paid invoice."""
    existing = CreditNote.objects.filter(organisation=organisation).order_by("id").first()
    if existing is not None:
        return existing
    invoice = (
        Invoice.objects.filter(organisation=organisation, status=Invoice.Status.PAID)
        .order_by("id")
        .first()
    )
    if invoice is None:
        return None
    first = invoice.lines.order_by("position", "id").first()
    with transaction.atomic():
        note = credit_note_create(
            invoice=invoice,
            reason=REASON,
            lines=[
                LineInput(
                    description=f"{first.description} (returned)",
                    quantity=Decimal("1"),
                    unit_price=first.unit_price,
                    discount_percent=first.discount_percent,
                    taxable=first.taxable,
                    service_item=first.service_item,
                )
            ],
        )
        # The invoice was paid in full: the credit is the customer's, paid back to them.
        refund_record(
            credit_note=note,
            amount=note.remaining_credit,
            method=method,
            reference=f"Refund of {note.number}",
        )
    return note
