"""Pull: integration → hub, incrementally from a stored watermark (docs/sync-rules.md:
"Through the hub", "Payments", "Timing").

QBO's change data capture and Xero's If-Modified-Since only reach back so far, so a watermark
not confirmed for 30 days means a full scan. The watermark is the adapter's own text, stored when
a pull ends; the adapter starts the next pull a little before it (its overlap, which depends on
its provider's clock and consistency): re-reading a record is harmless, because a record whose
remote version the link already holds is recognised as unchanged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.common.money import ZERO
from apps.customers.models import Customer
from apps.integrations import registry
from apps.integrations.contract import (
    Adapter,
    AuthExpired,
    PermanentError,
    ReconnectNeeded,
    RemoteChange,
    RemoteCreditNote,
    RemoteRefund,
    Throttled,
    TransientError,
)
from apps.integrations.models import Integration

from . import echoes, outbox
from .apply import (
    UNCHANGED,
    Skipped,
    customer_apply,
    document_apply,
    document_cancel_apply,
    payment_apply,
    remote_link,
)
from .apply_credits import credit_note_apply, refund_apply
from .models import Change, Kind, SyncLogEntry, SyncRun, SyncState
from .own_records import hub_document_sent_as, link_own
from .runs import count, log, run_finish, run_save_progress, run_start

logger = logging.getLogger(__name__)
Outcome = SyncLogEntry.Outcome
FULL_SCAN_AFTER = timedelta(days=30)


@dataclass
class PullResult:
    busy: bool = False
    pulled: int = 0
    retry_in: float | None = None
    run: SyncRun | None = None
    error: str = ""
    postponed: bool = False  # a webhook's pull waits for the hub's own writes to be linked


# A webhook naming a record with no link while the hub is sending to the integration waits
# this long for the hub to link its own create before it reads the changes (docs/pulls.md).
POSTPONE_SECONDS = 1.0
POSTPONE_FOR_AT_MOST = timedelta(seconds=30)


def pulled_kinds(integration: Integration) -> list[str]:
    kinds = [k for k in (Kind.CUSTOMER, Kind.QUOTE, Kind.INVOICE) if integration.syncs_from(k)]
    if integration.syncs_from(Kind.INVOICE):
        kinds.append(Kind.PAYMENT)  # payments update the amount paid of pulled invoices
        # Credit notes and refunds follow the invoices' switch (docs/credit-notes.md).
        capabilities = registry.capabilities_of(integration)
        if capabilities.credit_notes:
            kinds.append(Kind.CREDIT_NOTE)
        if capabilities.refunds:
            kinds.append(Kind.REFUND)
    return [str(k) for k in kinds]


def webhook_echoes_settled(integration_id: int) -> bool:
    """A webhook arrived for the integration: True when its events need no pull task at all,
    because each names a record the hub itself wrote no earlier than the event (its own echo,
    ``echoes.settle_placed``), or the pull would do nothing (disconnected, switched off, no
    kind pulled). Checked in the process that received the notification, before a task is
    queued: an echo then costs the worker nothing (docs/pulls.md). An integration not yet
    caught up after connecting always gets its task (the task catches it up first)."""
    integration = Integration.objects.filter(pk=integration_id).first()
    if integration is None or not integration.is_connected or not integration.sync_enabled:
        return True
    caught_up = (
        SyncState.objects.filter(integration=integration).values_list("caught_up_at", flat=True)
    ).first()
    if (
        caught_up is None
        or integration.connected_at is None
        or caught_up < integration.connected_at
    ):
        return False
    kinds = pulled_kinds(integration)
    return not kinds or echoes.settle_placed(integration, kinds)


def since_for(state) -> str | None:
    """The stored watermark, as the adapter wrote it; None (full scan) without one or with an
    old one."""
    if not state.watermark or state.watermark_taken_at is None:
        return None
    if timezone.now() - state.watermark_taken_at > FULL_SCAN_AFTER:
        return None
    return state.watermark


def pull(
    integration: Integration,
    *,
    run: SyncRun | None = None,
    adapter: Adapter | None = None,
    trigger: str = SyncRun.Trigger.PULL,
    may_postpone: bool = True,
) -> PullResult:
    """Bring everything changed in the integration since the watermark into the hub.

    A webhook's pull first compares the waiting events with what the hub wrote itself and
    reads nothing when that is all they announce (``echoes``). Waiting for the hub's own
    request limiter (``Throttled``) is no failure: the pull stops where it is, keeping what
    it applied and the watermark of the pages it finished, and asks to be run again then."""
    kinds = pulled_kinds(integration)
    if not kinds:
        return PullResult(run=run)
    result = PullResult(run=run)
    try:
        plan = None
        if trigger == SyncRun.Trigger.WEBHOOK:
            plan = echoes.plan(
                integration, kinds, lambda: adapter or registry.adapter_for(integration)
            )
            if plan is None:
                return result
            if plan.nothing:
                echoes.mark_processed(plan.event_ids)
                return result
            if may_postpone and _hub_writing(integration, plan):
                result.postponed = True
                return result
        _claimed_pull(integration, adapter, kinds, result, trigger=trigger, plan=plan)
    except Throttled as exc:
        result.retry_in = exc.retry_after  # not an error: no message, the run ends as it is
        if run is not None and not run.dry_run:
            _pull_later(integration, exc.retry_after)  # Sync Now: its task does not retry
    except (TransientError, AuthExpired) as exc:
        # AuthExpired here means the adapter's own refresh already failed once: try later.
        result.error = exc.message
        result.retry_in = outbox.backoff_seconds(1, getattr(exc, "retry_after", None))
    except (ReconnectNeeded, PermanentError) as exc:
        result.error = exc.message
    except Exception as exc:
        if run is None and result.run is not None:
            # The run this pull opened is never handed back to its caller: it ends here.
            run_finish(result.run, error=f"The pull stopped on an unexpected error: {exc}"[:500])
        raise
    return result


def _hub_writing(integration: Integration, plan: echoes.Plan) -> bool:
    """The events name records with no link while a drain of the integration has rows in
    progress: most likely the hub's own creates, whose links are written with the answer. The
    pull waits a moment (``POSTPONE_SECONDS``), then compares again, rather than reading every
    change since the watermark only to find its own writes; never more than
    ``POSTPONE_FOR_AT_MOST`` after the oldest event arrived (a record made in the ledger
    meanwhile is then pulled as before)."""
    if not plan.unlinked or plan.oldest is None:
        return False
    if timezone.now() - plan.oldest > POSTPONE_FOR_AT_MOST:
        return False
    return Change.objects.filter(integration=integration, state=Change.State.IN_PROGRESS).exists()


def _pull_later(integration: Integration, countdown: float) -> None:
    from .tasks import pull_integration  # tasks sit above this module

    transaction.on_commit(
        lambda: pull_integration.apply_async((integration.pk,), countdown=countdown)
    )


def _claimed_pull(integration, adapter, kinds, result: PullResult, *, trigger, plan) -> None:
    """One pull at a time per integration; a pull asked for meanwhile runs right after."""
    token = outbox.claim(integration.pk, "pull")
    if token is None:
        result.busy = True
        return
    try:
        adapter = adapter or registry.adapter_for(integration)
        if plan is not None and not plan.full:
            _apply_read(integration, adapter, plan.changes, result, trigger=trigger)
            echoes.mark_processed(plan.event_ids)
        else:
            echoes.mark_covered(integration, timezone.now())
            _pull_pages(integration, adapter, kinds, result, token, trigger=trigger)
    finally:
        outbox.release(integration.pk, "pull", token)


def _apply_read(integration, adapter, changes, result: PullResult, *, trigger) -> None:
    """The few records a webhook named that moved, read by id: applied as a pull applies
    them, without touching the watermark (the next pull reads them again, harmlessly)."""
    result.run = result.run or run_start(integration=integration, trigger=trigger)
    for change in sorted(changes, key=lambda c: outbox.KIND_ORDER.get(c.kind, 9)):
        pull_one(integration, adapter, change, result.run)
        result.pulled += 1
    run_save_progress(result.run)


def _pull_pages(integration, adapter, kinds, result: PullResult, token: str, *, trigger) -> None:
    dry_run = bool(result.run and result.run.dry_run)
    state = outbox.state_for(integration.pk)
    since = since_for(state)
    for page in adapter.pull(kinds, since):
        if result.run is None and page.changes:
            result.run = run_start(integration=integration, trigger=trigger)
        for change in sorted(page.changes, key=lambda c: outbox.KIND_ORDER.get(c.kind, 9)):
            if dry_run:
                _log(result.run, integration, change, Outcome.PULLED, "Would be pulled.")
            else:
                pull_one(integration, adapter, change, result.run)
            result.pulled += 1
        if not dry_run:
            _store_watermark(state, page, full_scan=since is None)
        if result.run is not None:
            run_save_progress(result.run)
        outbox.heartbeat(integration.pk, "pull", token)


def _store_watermark(state, page, *, full_scan: bool) -> None:
    """Take the watermark a page carries. A pull's last page takes it even when unchanged (one
    in the provider's clock stays the same while nothing changes, and is still current); a page
    in the middle that repeats the old one must not make an old watermark look fresh."""
    now = timezone.now()
    fields = ["last_pull_at"]
    state.last_pull_at = now
    watermark = page.watermark
    if watermark and (watermark != state.watermark or not page.more):
        state.watermark, state.watermark_taken_at = watermark, now
        fields += ["watermark", "watermark_taken_at"]
        if full_scan:
            state.last_full_scan_at = now
            fields.append("last_full_scan_at")
    state.save(update_fields=fields)


def _log(run, integration, change: RemoteChange, outcome, message, object_id=None) -> None:
    if outcome == Outcome.SKIPPED and message == UNCHANGED:
        # Reading back what was already exchanged (our own pushes, the overlap of the last pull)
        # is no event: counted on the run, kept out of the Sync Log, which would otherwise grow
        # by every recent record on every webhook.
        if run is not None:
            count(run, outcome, message=message, kind=change.kind, object_id=object_id)
        return
    log(
        run=run,
        integration=integration,
        kind=change.kind,
        object_id=object_id,
        direction=SyncLogEntry.Direction.PULL,
        outcome=outcome,
        message=message,
        remote_id=change.remote_id,
    )


def pull_one(integration: Integration, adapter, change: RemoteChange, run) -> None:
    """Apply one remote change; its outcome, or why it was left out, goes to the Sync Log.
    A refusal by the hub's own validation leaves nothing half-written (one transaction)."""
    try:
        object_id, outcome, message = _apply(integration, adapter, change)
    except Skipped as exc:
        _log(run, integration, change, Outcome.SKIPPED, str(exc))
    except ValidationError as exc:
        _log(run, integration, change, Outcome.FAILED, "; ".join(exc.messages))
    except PermanentError as exc:
        _log(run, integration, change, Outcome.FAILED, exc.message)
    except (TransientError, AuthExpired, ReconnectNeeded):
        raise  # the provider, not this record: the whole pull stops and is retried
    except Exception as exc:  # noqa: BLE001 — one record's defect must not stall every pull
        logger.exception("Unexpected error pulling %s %s", change.kind, change.remote_id)
        message = f"Unexpected error: {exc.__class__.__name__}: {exc}"[:500]
        _log(run, integration, change, Outcome.FAILED, message)
    else:
        _log(run, integration, change, outcome, message, object_id)


def _unchanged(integration: Integration, change: RemoteChange) -> bool:
    link = remote_link(integration, change.kind, change.remote_id)
    record = change.record
    return bool(
        link
        and record is not None
        and record.remote_version
        and link.remote_version == record.remote_version
    )


def _apply(integration: Integration, adapter, change: RemoteChange):
    if change.kind == Kind.PAYMENT:
        return _apply_payment(integration, change)
    if change.kind == Kind.CUSTOMER:
        if change.deleted or change.record is None:
            raise Skipped("Deleted or made inactive in the integration; the hub customer is kept.")
        if _unchanged(integration, change):
            raise Skipped("Unchanged.")
        if (
            not change.record.active
            and remote_link(integration, change.kind, change.remote_id) is None
        ):
            raise Skipped("Inactive in the integration.")
        customer, message = customer_apply(integration, change.record)
        # A newer remote version with nothing new in it (our own push, read back) is no change.
        outcome = Outcome.SKIPPED if message == UNCHANGED else Outcome.PULLED
        return customer.pk, outcome, message
    if change.kind in (Kind.INVOICE, Kind.QUOTE):
        return _apply_document(integration, adapter, change)
    if change.kind in (Kind.CREDIT_NOTE, Kind.REFUND):
        return _apply_credit(integration, adapter, change)
    raise Skipped(f"{change.kind} records are not pulled.")


def _apply_payment(integration: Integration, change: RemoteChange):
    record = change.record
    if change.deleted and record is None:
        link = remote_link(integration, Kind.PAYMENT, change.remote_id)
        if link is None:
            raise Skipped("Deleted before it reached the hub.")
        raise Skipped("Deleted in the integration; void it in the integration to update the hub.")
    if _unchanged(integration, change):
        raise Skipped("Unchanged.")
    if record is not None and not record.applied_to and not record.amount:
        # Money-free: it only applies a credit note, which brings that change itself
        # (docs/credit-notes.md). Nothing to say in the Sync Log.
        raise Skipped(UNCHANGED)
    return None, Outcome.PULLED, payment_apply(integration, record)


def _apply_credit(integration: Integration, adapter, change: RemoteChange):
    """A credit note or refund (``apply_credits``); deleted in the ledger counts as voided."""
    link = remote_link(integration, change.kind, change.remote_id)
    record = change.record
    if record is None and not change.deleted:
        record = adapter.fetch(change.kind, change.remote_id).record
    if record is None:
        if link is None:
            raise Skipped("Deleted before it reached the hub.")
        record = _void_form(change.kind, link)
    elif _unchanged(integration, change):
        raise Skipped("Unchanged.")
    apply = credit_note_apply if change.kind == Kind.CREDIT_NOTE else refund_apply
    object_id, message = apply(integration, record)
    outcome = Outcome.SKIPPED if message == UNCHANGED else Outcome.PULLED
    return object_id, outcome, message


def _void_form(kind: str, link):
    """A deleted credit note or refund, as the void it amounts to in the hub."""
    if kind == Kind.CREDIT_NOTE:
        return RemoteCreditNote(link.remote_id, "", "", "", date.today(), "void", "")
    return RemoteRefund(link.remote_id, "", "", date.today(), ZERO, voided=True)


def _apply_document(integration: Integration, adapter, change: RemoteChange):
    if change.deleted or (change.record is not None and change.record.status == "cancelled"):
        if remote_link(integration, change.kind, change.remote_id) is None:
            raise Skipped("Cancelled in the integration before it reached the hub.")
        if not change.deleted and _unchanged(integration, change):
            raise Skipped("Unchanged.")
        return (
            None,
            Outcome.PULLED,
            document_cancel_apply(integration, change.kind, change.remote_id),
        )
    record = change.record or adapter.fetch(change.kind, change.remote_id).record
    if record is None:  # deleted meanwhile: like a void
        return _apply_document(
            integration, adapter, RemoteChange(change.kind, change.remote_id, True)
        )
    if _unchanged(integration, RemoteChange(change.kind, change.remote_id, record=record)):
        raise Skipped("Unchanged.")
    unlinked = remote_link(integration, change.kind, change.remote_id) is None
    # Before any other matching: a record the hub created itself is linked, never imported.
    own = unlinked and hub_document_sent_as(integration, record)
    if own:
        return own.pk, Outcome.PULLED, link_own(integration, record, own)
    historical = False
    if unlinked and _is_history(integration, record):
        if not (change.kind == Kind.INVOICE and integration.import_historical_invoices):
            raise Skipped("Issued before the integration was connected: history is not imported.")
        historical = True
    customer = customer_for(integration, adapter, record.customer_remote_id)
    document, message = document_apply(integration, record, customer, historical=historical)
    # Our own push read back (after a retry, or with only a newer version) is no change.
    outcome = Outcome.SKIPPED if message == UNCHANGED else Outcome.PULLED
    return document.pk, outcome, message


def _is_history(integration: Integration, record) -> bool:
    connected = integration.connected_at or integration.created_at
    return bool(connected and record.issue_date < timezone.localdate(connected))


def customer_for(integration: Integration, adapter, customer_remote_id: str) -> Customer:
    """The hub customer of a pulled document, pulling that customer first when it is not linked
    yet (whatever the customer toggles say: a document needs its customer)."""
    link = remote_link(integration, Kind.CUSTOMER, customer_remote_id)
    if link is not None:
        customer = Customer.objects.get(pk=link.object_id)
        while customer.merged_into_id:
            customer = customer.merged_into
        return customer
    fetched = adapter.fetch(Kind.CUSTOMER, customer_remote_id)
    if fetched.record is None:
        raise PermanentError(f"Its customer {customer_remote_id} is missing in the integration.")
    customer, _ = customer_apply(integration, fetched.record)
    return customer
