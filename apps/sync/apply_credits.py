"""Pull: a credit note or a refund made in an integration, into the hub (docs/credit-notes.md).

A credit note comes in against the first invoice it was applied to that the hub knows, through
``credit_note_import``, which records it for every other integration; a void voids it. A refund
comes in against the payment or credit note the ledger ties it to; one the ledger ties to
nothing (a QuickBooks RefundReceipt made there) comes in against the customer's only payment
that can take it, and is left out, with that reason, when none or several could. Once linked,
neither is changed by later pulls except by a void: credit notes and refunds are not edited.
"""

from __future__ import annotations

from django.db import transaction

from apps.integrations.contract import RemoteCreditNote, RemoteRefund
from apps.integrations.models import Integration
from apps.invoices.credits import credit_note_import, credit_note_void, refund_record, refund_void
from apps.invoices.models import CreditNote, Invoice, Origin, Payment, Refund

from .apply import Skipped, _lines, link_pulled, remote_link
from .models import Kind
from .push_one import refingerprint_invoice


def credit_note_apply(integration: Integration, remote: RemoteCreditNote) -> tuple[int, str]:
    link = remote_link(integration, Kind.CREDIT_NOTE, remote.remote_id)
    if link is not None:
        note = CreditNote.objects.get(pk=link.object_id)
        if remote.status == CreditNote.Status.VOID and note.status != CreditNote.Status.VOID:
            with transaction.atomic():
                note = credit_note_void(credit_note=note, from_integration_id=integration.pk)
                link_pulled(integration, Kind.CREDIT_NOTE, note, remote.remote_id, "")
                refingerprint_invoice(integration, note.invoice_id)
            return note.pk, "Credit note voided."
        return note.pk, "Unchanged."
    if remote.status != CreditNote.Status.ISSUED:
        raise Skipped(
            "Voided before it reached the hub."
            if remote.status == CreditNote.Status.VOID
            else "A draft in the integration: it comes in once issued."
        )
    invoice, allocated = _invoice_of(integration, remote)
    with transaction.atomic():
        note = credit_note_import(
            invoice=invoice,
            number=remote.number or remote.remote_id,
            issue_date=remote.issue_date,
            lines=_lines(remote),
            allocated=allocated,
            reason=remote.reason,
            tax_rate=remote.tax_rate,
            discount_percent=remote.discount_percent,
            from_integration=integration,
        )
        link_pulled(integration, Kind.CREDIT_NOTE, note, remote.remote_id, remote.remote_version)
        refingerprint_invoice(integration, invoice.pk)
    return note.pk, f"Credit note of {note.total} applied to {invoice.number}."


def _invoice_of(integration: Integration, remote: RemoteCreditNote) -> tuple[Invoice, object]:
    for invoice_remote_id, amount in remote.applied_to:
        link = remote_link(integration, Kind.INVOICE, invoice_remote_id)
        if link is not None:
            return Invoice.objects.get(pk=link.object_id), amount
    raise Skipped(
        "Not applied to an invoice the hub has: apply it to the invoice in the integration."
    )


def refund_apply(integration: Integration, remote: RemoteRefund) -> tuple[int | None, str]:
    link = remote_link(integration, Kind.REFUND, remote.remote_id)
    if link is not None:
        refund = Refund.objects.get(pk=link.object_id)
        if remote.voided and not refund.voided:
            with transaction.atomic():
                refund = refund_void(refund=refund, from_integration=integration)
                link_pulled(integration, Kind.REFUND, refund, remote.remote_id, "")
                refingerprint_invoice(integration, refund.invoice_id)
            return refund.pk, "Refund voided."
        return refund.pk, "Unchanged."
    if remote.voided:
        raise Skipped("Voided before it reached the hub.")
    of, tied = _refunded(integration, remote)
    with transaction.atomic():
        refund = refund_record(
            amount=remote.amount,
            date=remote.date,
            method=remote.method[:50],
            reference=remote.reference[:100],
            origin=Origin.INTEGRATION,
            source_integration=integration,
            **of,
        )
        link_pulled(integration, Kind.REFUND, refund, remote.remote_id, remote.remote_version)
        refingerprint_invoice(integration, refund.invoice_id)
    return refund.pk, f"Refund of {refund.amount} recorded{tied}."


def _refunded(integration: Integration, remote: RemoteRefund) -> tuple[dict, str]:
    if remote.credit_note_remote_id:
        link = remote_link(integration, Kind.CREDIT_NOTE, remote.credit_note_remote_id)
        if link is not None:
            return {"credit_note": CreditNote.objects.get(pk=link.object_id)}, ""
    if remote.payment_remote_id:
        link = remote_link(integration, Kind.PAYMENT, remote.payment_remote_id)
        if link is not None:
            return {"payment": Payment.objects.get(pk=link.object_id)}, ""
    if remote.credit_note_remote_id or remote.payment_remote_id:
        raise Skipped("Not tied to a payment or credit note the hub has.")
    payment = _only_payment_it_fits(integration, remote)
    return {"payment": payment}, f" against the customer's only payment it fits ({payment})"


def _only_payment_it_fits(integration: Integration, remote: RemoteRefund) -> Payment:
    """A refund the ledger ties to nothing: the customer's one payment with that much left to
    pay back. Never a guess between several (docs/credit-notes.md)."""
    customer = remote_link(integration, Kind.CUSTOMER, remote.customer_remote_id)
    if customer is None:
        raise Skipped("Not tied to a payment, and its customer is not in the hub.")
    payments = Payment.objects.filter(customer_id=customer.object_id, voided=False)
    fits = [p for p in payments.prefetch_related("refunds") if p.refundable >= remote.amount]
    if len(fits) != 1:
        found = "none" if not fits else f"{len(fits)}"
        raise Skipped(
            f"Not tied to a payment, and {found} of the customer's payments could take a refund "
            f"of {remote.amount}, so it stays out of the hub. To carry it to the other ledgers, "
            "refund it on its payment in the hub and delete this one in the ledger."
        )
    return fits[0]
