"""What a Stripe payout's lines say in a ledger, shared by every provider's payout mapping
(docs/payouts.md)."""

from __future__ import annotations

from apps.payouts.models import Payout, PayoutLine

FEES = "Stripe fees"


def reference(payout: Payout) -> str:
    return f"Stripe payout {payout.stripe_payout_id}"


def line_text(line: PayoutLine) -> str:
    """A deposit line's description: the hub payment a charge came from, or that none does."""
    if line.kind == "charge" and line.payment is not None:
        payment = line.payment
        invoice = payment.invoice
        about = f"invoice {invoice.number}" if invoice else str(payment.customer)
        return f"Card payment {line.source_id} for {about}"[:4000]
    if line.kind == "charge":
        return f"Card payment {line.source_id}: no hub payment (unknown charge)"
    return f"Stripe {line.kind.replace('_', ' ')} {line.source_id}".strip()


def fees_text(payout: Payout) -> str:
    return f"{FEES} on {reference(payout)}"
