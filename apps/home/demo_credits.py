"""Demo data: a credit note and a refund in each demo organisation (``manage.py seed_demo``).

A partly paid invoice gets a partial credit note (one unit of its cheapest line, "returned
unused"), which lowers its amount due, and part of its payment is paid back (a goodwill
refund): both go to every ledger that takes them (docs/credit-notes.md). It runs after the demo's
ledgers are connected, so they are queued to each like a credit note or refund staff make on the
invoice page. An organisation that has a credit note already gets neither again (running
``seed_demo`` again adds nothing)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from apps.common.lines import LineInput
from apps.invoices.credits import credit_note_create, refund_record
from apps.invoices.models import CreditNote, Invoice

REASON = "Part returned unused"


def credit_note_and_refund(organisation) -> CreditNote | None:
    """The demo's credit note, made the first time with its invoice's refund; None when the
    organisation has no partly paid invoice."""
    existing = CreditNote.objects.filter(organisation=organisation).order_by("id").first()
    if existing is not None:
        return existing
    invoice = (
        Invoice.objects.filter(organisation=organisation, status=Invoice.Status.PARTIALLY_PAID)
        .order_by("id")
        .first()
    )
    if invoice is None:
        return None
    cheapest = invoice.lines.filter(quantity__gte=1).order_by("unit_price", "id").first()
    payment = invoice.payments.filter(voided=False).order_by("id").first()
    with transaction.atomic():
        note = credit_note_create(
            invoice=invoice,
            reason=REASON,
            lines=[
                LineInput(
                    description=f"{cheapest.description} (returned unused)",
                    quantity=Decimal("1"),
                    unit_price=cheapest.unit_price,
                    discount_percent=cheapest.discount_percent,
                    taxable=cheapest.taxable,
                    service_item=cheapest.service_item,
                )
            ],
        )
        if payment is not None:
            # A tenth of the payment paid back as goodwill, the way it was paid.
            refund_record(
                payment=payment,
                amount=(payment.amount / 10).quantize(Decimal("0.01")),
                method=payment.method,
                reference="Goodwill refund",
            )
    return note
