"""Push one outbox row, hub → integration: the single-request half of the push path.

``push_change`` decides (``rules.decide``) and sends one row through the provider's adapter,
its dependencies first. Each outcome is written to the Sync Log; each remote success is linked
at once, so a failure later in the same record never loses what already exists remotely.
The page that rows arrive in, and the batches, are ``apps.sync.push``'s.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.catalog.models import ServiceItem
from apps.customers.models import Customer
from apps.integrations import contract
from apps.integrations.contract import (
    AuthExpired,
    MappingNeeded,
    PermanentError,
    ReconnectNeeded,
    SyncError,
    Throttled,
    TransientError,
)
from apps.integrations.models import Integration
from apps.invoices.models import CreditNote, Invoice, Payment, Refund
from apps.quotes.models import Quote

from . import items, outbox, payouts, timesheets
from .exchanged import form_of
from .fingerprints import fingerprint
from .models import Change, Kind, Link, Side, SyncLogEntry, SyncRun
from .push_customers import customers_resolve, duplicate, placed_message
from .recorder import queue_for
from .rules import Action, decide
from .runs import log

logger = logging.getLogger(__name__)
PUSH = SyncLogEntry.Direction.PUSH
Outcome = SyncLogEntry.Outcome

# How long the queue waits when the integration needs reconnecting (staff must act first).
RECONNECT_WAIT_SECONDS = 600


@dataclass
class Context:
    integration: Integration
    adapter: contract.Adapter
    run: SyncRun | None
    change: Change | None = None
    linked: dict = field(default_factory=dict)


def load(kind: str, object_id: int):
    """The hub record behind an outbox row, with what its push needs; None when it is gone."""
    if kind == Kind.CUSTOMER:
        return Customer.objects.filter(pk=object_id).first()
    if kind == Kind.INVOICE:
        qs = Invoice.objects.select_related("customer").prefetch_related("lines")
        return qs.filter(pk=object_id).first()
    if kind == Kind.QUOTE:
        qs = Quote.objects.select_related("customer").prefetch_related("lines")
        return qs.filter(pk=object_id).first()
    if kind == Kind.PAYMENT:
        return Payment.objects.select_related("invoice__customer").filter(pk=object_id).first()
    if kind == Kind.ITEM:
        return ServiceItem.objects.filter(pk=object_id).first()
    if kind == Kind.TIME_ENTRY:
        return timesheets.load_entry(object_id)
    if kind == Kind.PAYOUT:
        return payouts.load_payout(object_id)
    if kind == Kind.CREDIT_NOTE:
        qs = CreditNote.objects.select_related("customer", "invoice").prefetch_related("lines")
        return qs.filter(pk=object_id).first()
    if kind == Kind.REFUND:
        qs = Refund.objects.select_related("customer", "payment", "credit_note", "invoice")
        return qs.filter(pk=object_id).first()
    return None


def link_of(integration: Integration, kind: str, object_id: int) -> Link | None:
    return Link.objects.filter(
        integration=integration, kind=kind, object_id=object_id, merged_into__isnull=True
    ).first()


def link_save(
    integration: Integration, kind: str, record, pushed: contract.Pushed, *, created_by: str
) -> Link:
    """Create or refresh the link after the integration accepted ``record``."""
    values = {
        "remote_id": pushed.remote_id,
        "remote_version": pushed.remote_version or "",
        "fingerprint": fingerprint(kind, record),
        "synced_at": timezone.now(),
    }
    if pushed.remote_name:
        values["remote_name"] = pushed.remote_name
    if pushed.document is not None:
        values["exchanged"] = form_of(pushed.document)
    link, _ = Link.objects.update_or_create(
        integration=integration,
        kind=kind,
        object_id=record.pk,
        merged_into=None,
        defaults=values,
        create_defaults={**values, "created_by": created_by},
    )
    return link


def _linked_elsewhere(integration: Integration, kind: str, record, pushed) -> bool:
    return (
        Link.objects.filter(integration=integration, kind=kind, remote_id=pushed.remote_id)
        .exclude(object_id=record.pk)
        .exists()
    )


def push_change(ctx: Context, change: Change) -> float | None:
    """Decide and send one outbox row. Returns seconds to wait when a transient failure means
    the rest of the integration's queue should wait too."""
    ctx.change = change
    refresh = tried_refresh = False
    while True:
        try:
            if refresh:  # here, so that a refused refresh is handled like any other error
                refresh = False
                _refresh_token(ctx.integration)
            _push(ctx, change)
            return None
        except AuthExpired as exc:
            if tried_refresh:
                return _retry_later(ctx, change, exc.message, None)
            refresh = tried_refresh = True
        except Throttled:
            raise  # the hub's own limiter: nothing was sent, the page puts the row back as it was
        except TransientError as exc:
            return _retry_later(ctx, change, exc.message, exc.retry_after)
        except ReconnectNeeded as exc:
            outbox.requeue(change, last_error=exc.message)
            _log(ctx, change.kind, change.object_id, Outcome.FAILED, exc.message)
            return RECONNECT_WAIT_SECONDS
        except MappingNeeded as exc:
            # Not the ledger's refusal: the hub will not guess an account or tax code
            # (docs/mapping.md). Held back until the mapping is saved, which queues it again.
            with transaction.atomic():
                _finish(change, Change.State.HELD_BACK, exc.message)
                _log(ctx, change.kind, change.object_id, Outcome.HELD_BACK, exc.message)
            return None
        except PermanentError as exc:
            _park(ctx, change, exc.message)
            return None
        except Exception as exc:  # noqa: BLE001 — one record's defect must not stall the queue
            logger.exception("Unexpected error pushing %s", change)
            _park(ctx, change, f"Unexpected error: {exc.__class__.__name__}: {exc}"[:500])
            return None


def _park(ctx: Context, change: Change, message: str) -> None:
    """The provider refused the record: failed, with its message, until the next sync."""
    finish_many([(change, Change.State.FAILED, message)])
    _log(ctx, change.kind, change.object_id, Outcome.FAILED, message)


def _refresh_token(integration: Integration) -> None:
    from apps.integrations.registry import token_refresh

    token_refresh(integration=integration)


def _retry_later(ctx: Context, change: Change, message: str, retry_after: float | None):
    """A transient failure: back in the queue after a backoff that grows with each one, never
    parked and never counted as a try — the provider will answer again
    (docs/sync-rules.md, "Retries and parking")."""
    delay = retry_row(change, message, retry_after)
    _log(
        ctx,
        change.kind,
        change.object_id,
        Outcome.RETRYING,
        f"{message} (retrying in {delay:.0f} s)",
    )
    return delay


def retry_row(change: Change, message: str, retry_after: float | None) -> float:
    """Requeue a row refused for a passing reason; the seconds it waits."""
    failures = change.transient_failures + 1
    delay = outbox.backoff_seconds(failures, retry_after)
    outbox.requeue(
        change,
        transient_failures=failures,
        last_error=message,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    return delay


def _as_taken(change: Change):
    """The row, only while it is still as this drain took it. The sweep may have put it back
    meanwhile (a push that outlasted the claim looks like a dead worker's), taking in a newer
    edit: then it must go again, not be marked done with what this push read before the edit."""
    return Change.objects.filter(
        pk=change.pk, state=Change.State.IN_PROGRESS, claimed_at=change.claimed_at
    )


def _finish(change: Change, state: str, message: str = "") -> None:
    finish_many([(change, state, message)])


def finish_many(outcomes) -> None:
    """Mark rows (change, state, error) done, held back or failed, each only while still as this
    drain took it (``_as_taken``). A page's rows settle in a few statements, not two per row:
    rows alike (state, message, when taken) in one UPDATE; a refused row counts its own tries."""
    outcomes = list(outcomes)
    alike: dict[tuple, list[int]] = defaultdict(list)
    for change, state, message in outcomes:
        values = {"state": state, "last_error": message, "claimed_at": None}
        if state == Change.State.FAILED:
            # Refused: parked until its retry, spaced by the tries so far (docs/outbox.md).
            attempts = change.attempts + 1
            values |= {"attempts": attempts, "next_attempt_at": outbox.parked_retry_at(attempts)}
            _as_taken(change).update(**values)
        else:
            alike[(state, message, change.claimed_at)].append(change.pk)
    for (state, message, claimed_at), ids in alike.items():
        Change.objects.filter(
            pk__in=ids, state=Change.State.IN_PROGRESS, claimed_at=claimed_at
        ).update(state=state, last_error=message, claimed_at=None)
    settled: dict[tuple[int, str], list[Change]] = defaultdict(list)
    for change, state, _ in outcomes:
        if state in (Change.State.DONE, Change.State.HELD_BACK):
            settled[(change.integration_id, change.kind)].append(change)
    for (integration_id, kind), changes in settled.items():
        # An earlier failure of the same record is settled by this newer outcome.
        Change.objects.filter(
            integration_id=integration_id,
            kind=kind,
            object_id__in={change.object_id for change in changes},
            state=Change.State.FAILED,
        ).exclude(pk__in=[change.pk for change in changes]).update(
            state=Change.State.DONE, last_error="Superseded."
        )


def _log(ctx: Context, kind, object_id, outcome, message="", remote_id="") -> None:
    log(
        run=ctx.run,
        integration=ctx.integration,
        kind=kind,
        object_id=object_id,
        direction=PUSH,
        outcome=outcome,
        message=message,
        remote_id=remote_id,
    )


def _push(ctx: Context, change: Change) -> None:
    record = load(change.kind, change.object_id)
    link = link_of(ctx.integration, change.kind, change.object_id)
    decision = decide(ctx.integration, change.kind, record, link)
    if decision.action == Action.HOLD:
        with transaction.atomic():
            _finish(change, Change.State.HELD_BACK, decision.reason)
            _log(ctx, change.kind, change.object_id, Outcome.HELD_BACK, decision.reason)
        return
    if decision.action == Action.SKIP:
        _finish(change, Change.State.DONE, decision.reason)
        _log(ctx, change.kind, change.object_id, Outcome.SKIPPED, decision.reason)
        return
    if decision.action == Action.VOID:
        pushed = ctx.adapter.void(change.kind, link.remote_id)
        message = "Cancellation sent."
    else:
        pushed, message = send(ctx, change.kind, record, link)
    if link is None and _linked_elsewhere(ctx.integration, change.kind, record, pushed):
        message = duplicate(pushed)
        _finish(change, Change.State.DONE, message)
        _log(ctx, change.kind, record.pk, Outcome.SKIPPED, message, pushed.remote_id)
        return
    with transaction.atomic():
        if change.absorbed_newer:
            # What the integration holds may be the first attempt's content: send it again.
            # Queued first, before this transaction locks any row (docs/outbox.md, "Recording
            # takes turns").
            queue_for(
                integration_id=change.integration_id,
                kind=change.kind,
                object_id=change.object_id,
                drain=False,
            )
        link = link_save(ctx.integration, change.kind, record, pushed, created_by=Side.HUB)
        _finish(change, Change.State.DONE)
        _log(ctx, change.kind, record.pk, Outcome.PUSHED, message, pushed.remote_id)
        if change.absorbed_newer:
            Link.objects.filter(pk=link.pk).update(fingerprint="")


def send(ctx: Context, kind: str, record, link: Link | None) -> tuple[contract.Pushed, str]:
    """Create or update ``record`` in the integration, its dependencies first
    (docs/sync-rules.md, "Dependencies first")."""
    remote_id = link.remote_id if link else None
    verb = "Updated" if link else "Created"
    key = outbox.idempotency_key(ctx.change, kind, record.pk)
    if kind == Kind.CUSTOMER:
        if link is None:
            return customer_place(ctx, record, update_found=True)
        return ctx.adapter.push_customer(record, remote_id, key=key), "Updated."
    if kind == Kind.PAYMENT:
        return payment_send(ctx, record, key)
    if kind == Kind.ITEM:
        return items.item_send(ctx, record, link, key)
    if kind == Kind.TIME_ENTRY:
        return timesheets.entry_send(ctx, record, link, key)
    if kind == Kind.PAYOUT:
        return payouts.payout_send(ctx, record, key)
    if kind == Kind.CREDIT_NOTE:
        return credit_note_send(ctx, record, key)
    if kind == Kind.REFUND:
        return refund_send(ctx, record, key)
    ctx.adapter.linked_items = items.linked_items(ctx.integration, [record])
    customer_remote_id = customer_remote(ctx, record.customer)
    push = ctx.adapter.push_invoice if kind == Kind.INVOICE else ctx.adapter.push_quote
    if link is None:
        # Should the answer be lost, a later batch (which cannot carry this key) first
        # looks for what this request may have made.
        outbox.mark_sent([ctx.change.pk])
    pushed = push(record, remote_id, customer_remote_id=customer_remote_id, key=key)
    return pushed, f"{verb}."


def customer_remote(ctx: Context, customer: Customer) -> str:
    """The customer's id in the integration, placing it there first if needed — whatever the
    customer toggles say, since a document cannot exist without its customer
    (docs/sync-rules.md, "Dependencies first")."""
    while customer.merged_into_id:
        customer = customer.merged_into
    link = link_of(ctx.integration, Kind.CUSTOMER, customer.pk)
    if link is not None:
        return link.remote_id
    pushed, message = customer_place(ctx, customer, update_found=ctx.integration.customers_sync_to)
    if not _linked_elsewhere(ctx.integration, Kind.CUSTOMER, customer, pushed):
        link_save(ctx.integration, Kind.CUSTOMER, customer, pushed, created_by=Side.HUB)
    _log(ctx, Kind.CUSTOMER, customer.pk, Outcome.PUSHED, message, pushed.remote_id)
    return pushed.remote_id


def customer_place(
    ctx: Context, customer: Customer, *, update_found: bool
) -> tuple[contract.Pushed, str]:
    """Match the customer in the integration (e-mail, then display name) or create it
    (docs/sync-rules.md, "Matching and duplicates"),
    by the rules every push path shares (``push_customers``)."""
    [(_, outcome, how)] = customers_resolve(
        ctx.adapter, ctx.integration, [customer], update_found=update_found, inline=False
    )
    if isinstance(outcome, SyncError):
        raise outcome
    return outcome, placed_message(customer, outcome, how)


def payment_send(ctx: Context, payment: Payment, key: str) -> tuple[contract.Pushed, str]:
    """A payment the hub collected: against the invoice in the integration when it is there (the
    invoice first if it may go), otherwise as a sales receipt (docs/sync-rules.md, "Payments")."""
    invoice = load(Kind.INVOICE, payment.invoice_id) if payment.invoice_id else None
    invoice_link = _dependency(ctx, Kind.INVOICE, invoice, "payment") if invoice else None
    customer_remote_id = customer_remote(ctx, invoice.customer if invoice else payment.customer)
    pushed = ctx.adapter.push_payment(
        payment,
        customer_remote_id=customer_remote_id,
        invoice_remote_id=invoice_link.remote_id if invoice_link else None,
        key=key,
    )
    if invoice_link:
        return pushed, "Recorded against the invoice."
    return pushed, "Recorded as a sales receipt (the invoice is not in this integration)."


def _dependency(ctx: Context, kind: str, record, needed_by: str) -> Link | None:
    """The link of a record another one needs (an invoice for its payment or credit note, a
    credit note for its refund: ``needed_by``), pushing the record first when it may go
    (docs/sync-rules.md, "Dependencies first")."""
    link = link_of(ctx.integration, kind, record.pk)
    if link is not None:
        return link
    decision = decide(ctx.integration, kind, record, None, as_dependency=True)
    if decision.action != Action.PUSH:
        return None
    pushed, _ = send(ctx, kind, record, None)
    link = link_save(ctx.integration, kind, record, pushed, created_by=Side.HUB)
    message = f"Created (before its {needed_by})."
    _log(ctx, kind, record.pk, Outcome.PUSHED, message, pushed.remote_id)
    return link


def refingerprint_invoice(integration: Integration, invoice_id: int | None) -> None:
    """A payment, credit note or refund changed the invoice's figures in the hub, and the
    integration it came from or went to has them too: its invoice link is current (no echo,
    no re-push)."""
    if invoice_id is None:
        return
    invoice = Invoice.objects.prefetch_related("lines").get(pk=invoice_id)
    Link.objects.filter(
        integration=integration, kind=Kind.INVOICE, object_id=invoice.pk, merged_into__isnull=True
    ).update(fingerprint=fingerprint(Kind.INVOICE, invoice), synced_at=timezone.now())


def credit_note_send(
    ctx: Context, credit_note: CreditNote, key: str
) -> tuple[contract.Pushed, str]:
    """An issued credit note, allocated to its invoice there: the invoice goes first when it is
    not in the integration yet and may go (docs/credit-notes.md)."""
    invoice = load(Kind.INVOICE, credit_note.invoice_id)
    invoice_link = _dependency(ctx, Kind.INVOICE, invoice, "credit note")
    if invoice_link is None:
        raise PermanentError(
            f"Its invoice {invoice.number} is not in this integration, so the credit note "
            "cannot be applied to it there."
        )
    ctx.adapter.linked_items = items.linked_items(ctx.integration, [credit_note])
    pushed = ctx.adapter.push_credit_note(
        credit_note,
        customer_remote_id=customer_remote(ctx, credit_note.customer),
        invoice_remote_id=invoice_link.remote_id,
        key=key,
    )
    refingerprint_invoice(ctx.integration, invoice.pk)
    return pushed, f"Created and applied to {invoice.number}."


def refund_send(ctx: Context, refund: Refund, key: str) -> tuple[contract.Pushed, str]:
    """A refund of a payment (that payment's remote id when the integration has it) or of a
    credit note's remaining credit (the credit note first)."""
    credit_note_link = payment_link = None
    if refund.credit_note_id:
        credit_note_link = _dependency(
            ctx, Kind.CREDIT_NOTE, load(Kind.CREDIT_NOTE, refund.credit_note_id), "refund"
        )
        if credit_note_link is None:
            raise PermanentError(
                f"Its credit note {refund.credit_note.number} is not in this integration."
            )
    else:
        payment_link = link_of(ctx.integration, Kind.PAYMENT, refund.payment_id)
    invoice_link = (
        link_of(ctx.integration, Kind.INVOICE, refund.invoice_id) if refund.invoice_id else None
    )
    pushed = ctx.adapter.push_refund(
        refund,
        customer_remote_id=customer_remote(ctx, refund.customer),
        payment_remote_id=payment_link.remote_id if payment_link else None,
        credit_note_remote_id=credit_note_link.remote_id if credit_note_link else None,
        invoice_remote_id=invoice_link.remote_id if invoice_link else None,
        key=key,
    )
    refingerprint_invoice(ctx.integration, refund.invoice_id)
    return pushed, "Recorded."
