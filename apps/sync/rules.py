"""What the engine does with one record for one integration, and why (docs/sync-rules.md).

Pure decisions over the hub record and its link; nothing here talks to a provider or writes.
Every hold-back carries the reason that staff read in the Sync Log.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models

from apps.integrations import registry
from apps.integrations.models import Integration
from apps.invoices.models import CreditNote, Invoice, Payment, Refund
from apps.quotes.models import Quote

from . import items, payouts, timesheets
from .fingerprints import fingerprint
from .models import Kind, Link


class Action(StrEnum):
    PUSH = "push"  # create or update in the integration
    VOID = "void"  # cancel the linked remote record
    HOLD = "hold"  # deliberately not sent (reason says why)
    SKIP = "skip"  # nothing to do: unchanged, or the record is gone


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str = ""


# Reasons, worded for the Sync Log.
DRAFT_INVOICE = "Draft: the invoice is sent to the integration when it is sent to the customer."
DRAFT_QUOTE = "Draft: the quote is sent to the integration when it is sent to the customer."
PAID = (
    "Paid or partially paid invoices are never pushed; record payments in the integration instead."
)
CANCELLED_NOT_BACKFILLED = (
    "Cancelled before it reached this integration: cancelled records are not backfilled."
)
IMPORTED_FROM_HERE = "Imported from this integration's history: never pushed back to it."
PAYMENT_FROM_INTEGRATION = (
    "Recorded in an accounting system: payments stay in the integration where they were entered."
)
PAYMENTS_SYNC_OFF = "Payments Sync to is off for this integration."
PAYMENT_VOIDED = "The payment was voided before it reached this integration."
UNCHANGED = "Unchanged since it was last exchanged."
GONE = "The record no longer exists in the hub."
MERGED = "The customer was merged into another one; the kept customer is synced instead."
UNSUPPORTED = "This kind of record is not synced by the engine."
CREDITED = (
    "Credited: the invoice is not sent again; its credit notes carry the change to the integration."
)
DRAFT_CREDIT_NOTE = "Draft: the credit note is sent to the integration when it is issued."
NO_CREDIT_NOTES = "This integration does not take credit notes from the hub."
NO_REFUNDS = "This integration does not take refunds from the hub."
NO_CREDIT_NOTE_REFUNDS = (
    "This integration does not take refunds of a credit note's remaining credit: record the "
    "refund in the integration itself."
)
# The engine's kinds, as a set: ``Kind.values`` builds its list again on every call, and every row
# of every page is decided.
KINDS = frozenset(Kind.values)
VOID_NOT_BACKFILLED = "Voided before it reached this integration: voided records are not sent."
ONCE_SENT = "Sent already; from now on only a void changes it."


def sync_to_off(integration: Integration, kind: str) -> str:
    if not integration.is_connected:
        return "The integration is disconnected."
    if integration.waiting_for_start:
        return "The first sync has not been started yet: click Start on the Integrations page."
    if not integration.sync_enabled:
        return "Enable Sync is off for this integration."
    # Credit notes and refunds follow the invoices' and payments' switches.
    kind = {Kind.CREDIT_NOTE: Kind.INVOICE, Kind.REFUND: Kind.PAYMENT}.get(kind, kind)
    label = "Timesheets" if kind == Kind.TIME_ENTRY else f"{Kind(kind).label}s"
    return f"{label} Sync to is off for this integration."


def decide(
    integration: Integration,
    kind: str,
    record: models.Model | None,
    link: Link | None,
    *,
    as_dependency: bool = False,
) -> Decision:
    """What to do with ``record`` for ``integration``.

    ``as_dependency``: the customer of a document that is about to be pushed goes first whatever
    the customer toggles say (docs/sync-rules.md, "Dependencies first"), so its own Sync to
    switch is not consulted."""
    if record is None:
        return Decision(Action.SKIP, GONE)
    if kind not in KINDS:
        return Decision(Action.HOLD, UNSUPPORTED)
    if not (as_dependency and integration.is_connected and integration.sync_enabled):
        if not integration.syncs_to(kind):
            return Decision(Action.HOLD, sync_to_off(integration, kind))
    held = _held_back(integration, kind, record, link, as_dependency=as_dependency)
    if held is not None:
        return held
    if link is not None and link.fingerprint == fingerprint(kind, record):
        return Decision(Action.SKIP, UNCHANGED)
    if _is_cancelled(kind, record):
        return Decision(Action.VOID)
    return Decision(Action.PUSH)


def _is_cancelled(kind: str, record: models.Model) -> bool:
    if kind == Kind.INVOICE:
        return record.status == Invoice.Status.CANCELLED
    if kind == Kind.QUOTE:
        return record.status == Quote.Status.CANCELLED
    if kind == Kind.CREDIT_NOTE:
        return record.status == CreditNote.Status.VOID
    if kind == Kind.REFUND:
        return record.voided
    return False


def _held_back(
    integration: Integration,
    kind: str,
    record: models.Model,
    link: Link | None,
    *,
    as_dependency: bool = False,
) -> Decision | None:
    if kind == Kind.CUSTOMER:
        return Decision(Action.SKIP, MERGED) if record.merged_into_id else None
    if kind in (Kind.ITEM, Kind.TIME_ENTRY):
        reason = (
            items.item_held_back(record, link)
            if kind == Kind.ITEM
            else timesheets.entry_held_back(integration, record)
        )
        return Decision(Action.HOLD, reason) if reason else None
    if kind == Kind.INVOICE:
        return _invoice_held_back(integration, record, link, before_payment=as_dependency)
    if kind == Kind.CREDIT_NOTE:
        return _credit_note_held_back(integration, record, link)
    if kind == Kind.REFUND:
        return _refund_held_back(integration, record, link)
    if kind == Kind.QUOTE:
        if record.status == Quote.Status.DRAFT:
            return Decision(Action.HOLD, DRAFT_QUOTE)
        if record.status == Quote.Status.CANCELLED and link is None:
            return Decision(Action.HOLD, CANCELLED_NOT_BACKFILLED)
        return None
    if kind == Kind.PAYOUT:
        return payouts.payout_held_back(integration, record, link)
    return _payment_held_back(integration, record, link)


def _invoice_held_back(
    integration: Integration, invoice: Invoice, link: Link | None, *, before_payment: bool
) -> Decision | None:
    if invoice.imported_from_id == integration.pk:
        return Decision(Action.HOLD, IMPORTED_FROM_HERE)
    if invoice.status == Invoice.Status.DRAFT:
        return Decision(Action.HOLD, DRAFT_INVOICE)
    if invoice.status in (Invoice.Status.PAID, Invoice.Status.PARTIALLY_PAID):
        # The one exception: a sent invoice goes ahead of a payment the hub itself collected
        # because that payment is what settles it in the integration
        # (docs/sync-rules.md, "Dependencies first").
        if not (before_payment and _paid_only_by_hub(invoice)):
            return Decision(Action.HOLD, PAID)
    if invoice.status == Invoice.Status.CANCELLED and link is None:
        return Decision(Action.HOLD, CANCELLED_NOT_BACKFILLED)
    if invoice.status == Invoice.Status.CREDITED and not before_payment:
        # Ahead of its credit note it goes as it was charged: the credit note then brings its
        # amount due to zero there too (docs/credit-notes.md).
        return Decision(Action.HOLD, CREDITED)
    return None


def _credit_note_held_back(
    integration: Integration, note: CreditNote, link: Link | None
) -> Decision | None:
    """Credit notes go once, when issued; afterwards only their void (docs/credit-notes.md)."""
    if not registry.capabilities_of(integration).credit_notes:
        return Decision(Action.HOLD, NO_CREDIT_NOTES)
    if note.status == CreditNote.Status.DRAFT:
        return Decision(Action.HOLD, DRAFT_CREDIT_NOTE)
    if note.status == CreditNote.Status.VOID:
        return Decision(Action.HOLD, VOID_NOT_BACKFILLED) if link is None else None
    if link is not None:
        return Decision(Action.SKIP, ONCE_SENT)
    if note.invoice.imported_from_id == integration.pk:
        return Decision(Action.HOLD, IMPORTED_FROM_HERE)
    return None


def _refund_held_back(integration: Integration, refund: Refund, link: Link | None):
    capabilities = registry.capabilities_of(integration)
    if not capabilities.refunds:
        return Decision(Action.HOLD, NO_REFUNDS)
    if refund.credit_note_id and not capabilities.credit_note_refunds:
        return Decision(Action.HOLD, NO_CREDIT_NOTE_REFUNDS)
    if refund.voided:
        return Decision(Action.HOLD, VOID_NOT_BACKFILLED) if link is None else None
    if link is not None:
        return Decision(Action.SKIP, ONCE_SENT)
    return None


def _paid_only_by_hub(invoice: Invoice) -> bool:
    return (
        invoice.sent_at is not None
        and not invoice.payments.filter(voided=False, source=Payment.Source.INTEGRATION).exists()
    )


def _payment_held_back(
    integration: Integration, payment: Payment, link: Link | None
) -> Decision | None:
    if payment.source == Payment.Source.INTEGRATION:
        return Decision(Action.HOLD, PAYMENT_FROM_INTEGRATION)
    if not integration.payments_sync_to:
        return Decision(Action.HOLD, PAYMENTS_SYNC_OFF)
    if link is not None:
        # A payment is recorded once; the integration owns it from then on.
        return Decision(Action.SKIP, UNCHANGED)
    if payment.voided:
        return Decision(Action.HOLD, PAYMENT_VOIDED)
    return None


def is_in_progress(kind: str, record: models.Model) -> bool:
    """Sent, unpaid, not cancelled: what a newly connected integration receives
    (docs/sync-rules.md, "Connecting, disconnecting, reconnecting")."""
    if kind == Kind.INVOICE:
        return record.status == Invoice.Status.SENT
    if kind == Kind.QUOTE:
        return record.status in (Quote.Status.SENT, Quote.Status.ACCEPTED)
    return False
