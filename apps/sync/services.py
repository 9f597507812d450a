"""What staff, the connections pages and the operations commands ask of the sync engine.

- ``integration_sync_to_enabled``: Sync to was turned on: records in progress go
  (docs/sync-rules.md, "Connecting, disconnecting, reconnecting").
- ``sync_now``: a full reconciliation of one integration (pull, catch up, retry, push), queued
  for a worker; ``sync_run_execute`` is what the worker (or a command) runs.
- ``retry_failed``: parked records back in the queue.
- ``changes_send_again``: chosen outbox rows sent again now (the admin's action).
- ``record_retry``: staff's Retry of one failed record (the Sync Log and the record's page).
"""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.integrations.mappings import ACCOUNT_HOLD, TAX_HOLD
from apps.integrations.models import Integration

from . import outbox
from .catchup import catch_up, held_back_history, preview_pending
from .models import Change, SyncRun, SyncState
from .pull import pull
from .push import DrainResult, drain, push_page
from .recorder import _schedule_drains, queue_for
from .runs import run_finish, run_save_progress, run_send, run_start

DISCONNECTED = "The integration is disconnected: reconnect it to sync."
DISABLED = "Enable Sync is off for this integration."
BUSY = "Another sync of this integration is still running; it sends the rest."
BUSY_WAIT_SECONDS = 30
BUSY_LOOK_SECONDS = 1.0


def integration_sync_to_enabled(*, integration: Integration, kind: str) -> int:
    """Sync to was just turned on for ``kind``: queue the records still in progress (sent,
    unpaid, not cancelled) and write why the others are held back. Call inside the transaction
    that saved the toggle; the drain starts after it commits. Returns the rows queued."""
    if not integration.syncs_to(kind):
        return 0
    queued = catch_up(integration, kinds=[kind])
    held_back_history(integration, kinds=[kind], run=None)
    if queued:
        transaction.on_commit(lambda: _schedule_drains([integration.pk]))
    return queued


def mapping_holds_release(*, integration: Integration) -> int:
    """The account or tax mapping was saved: the records held back for want of one are queued
    again (each only while no newer row of it exists), and go out on the next drain; one
    still unmapped is simply held back again. Returns the rows queued."""
    newer = Change.objects.filter(
        integration_id=OuterRef("integration_id"),
        kind=OuterRef("kind"),
        object_id=OuterRef("object_id"),
        pk__gt=OuterRef("pk"),
    )
    held = (
        Change.objects.filter(integration=integration, state=Change.State.HELD_BACK)
        .filter(Q(last_error__contains=TAX_HOLD) | Q(last_error__contains=ACCOUNT_HOLD))
        .exclude(Exists(newer))
    )
    rows = list(held.values_list("kind", "object_id"))
    for kind, object_id in rows:
        queue_for(integration_id=integration.pk, kind=kind, object_id=object_id, drain=False)
    if rows:
        transaction.on_commit(lambda: _schedule_drains([integration.pk]))
    return len(rows)


def sync_now(*, integration: Integration, dry_run: bool = False) -> SyncRun:
    """Start a Sync Now (or its preview) of one integration; a worker runs it."""
    run = run_start(integration=integration, trigger=SyncRun.Trigger.SYNC_NOW, dry_run=dry_run)
    from .tasks import sync_now_task

    transaction.on_commit(lambda: run_send(sync_now_task, run))
    return run


def sync_run_execute(*, run: SyncRun, adapter=None) -> SyncRun:
    """Sync Now for one integration, every step here (the ``sync_now`` command, tests): retry
    what failed at once, pull what changed there, queue what is in progress or changed in the
    hub since it was last exchanged, and push. A dry run reports what would happen and
    changes nothing. Workers run it a step per task (``sync_run_step``)."""
    while (countdown := sync_run_step(run=run, adapter=adapter)) is not None:
        time.sleep(countdown)  # a command's own process, not a worker
    return run


def sync_run_step(*, run: SyncRun, adapter=None) -> float | None:
    """One step of Sync Now: the first also pulls and catches up, each sends a page. The
    countdown for the next step, or None when the run is finished."""
    integration = Integration.objects.get(pk=run.integration_id)
    if PAGES not in run.counts and _prepare(run, integration, adapter):
        return None
    result = DrainResult(run=run)
    push_page(integration, result=result, adapter=adapter, trigger=SyncRun.Trigger.SYNC_NOW)
    if result.busy and (timezone.now() - run.started_at).total_seconds() < BUSY_WAIT_SECONDS:
        return BUSY_LOOK_SECONDS  # another worker is draining: look again soon, not asleep
    run.counts[PAGES] = run.counts.get(PAGES, 0) + 1
    run_save_progress(run)
    if result.throttled:
        return result.retry_in  # the hub's limiter: the same run goes on after its wait
    if result.more and result.retry_in is None and not result.busy:
        return 0.0
    _finish(run, integration, result)
    return None


PAGES = "pages"  # in a Sync Now run's counts while it runs
PHASE = "phase"  # "reading", then "sending": what its page shows
PULL_ERROR = "pull_error"


def _prepare(run: SyncRun, integration: Integration, adapter) -> bool:
    """Everything before the push; True when that already finished the run."""
    if not integration.is_connected:
        run_finish(run, error=DISCONNECTED)
        return True
    if not integration.sync_enabled:
        run_finish(run, error=DISABLED)
        return True
    if run.dry_run:
        _preview(run, integration, adapter)
        return True
    run.counts[PHASE] = "reading"  # the page shows the phase (apps/sync/progress.py)
    run_save_progress(run)
    retry_now(integration)
    pulled = pull(integration, run=run, adapter=adapter, trigger=SyncRun.Trigger.SYNC_NOW)
    _catch_up(integration, run=run)
    run.counts[PAGES] = 0
    run.counts[PHASE] = "sending"
    if pulled.error:
        run.counts[PULL_ERROR] = pulled.error
    run_save_progress(run)
    return False


def _finish(run: SyncRun, integration: Integration, result: DrainResult) -> SyncRun:
    if result.retry_in is not None:
        from .tasks import drain_integration

        drain_integration.apply_async((integration.pk,), countdown=result.retry_in)
    error = run.counts.pop(PULL_ERROR, "") or result.error
    run.counts.pop(PAGES, None)
    return run_finish(run, error=error, note=BUSY if result.busy else "")


CATCH_UP_KINDS = ["customer", "item", "quote", "invoice", "time_entry"]


def _catch_up(integration: Integration, *, run: SyncRun | None) -> int:
    with transaction.atomic():
        queued = catch_up(integration, kinds=CATCH_UP_KINDS)
        held_back_history(integration, kinds=CATCH_UP_KINDS, run=run)
        SyncState.objects.filter(integration=integration).update(caught_up_at=timezone.now())
    return queued


def integration_catch_up_if_connected(*, integration: Integration) -> int:
    """A newly connected or reconnected integration is compared with the hub once, on its first
    sync: records in progress go, and whatever changed while it was disconnected
    (docs/sync-rules.md, "Connecting, disconnecting, reconnecting")."""
    state = outbox.state_for(integration.pk)
    connected = integration.connected_at
    if not integration.is_connected or connected is None:
        return 0
    if state.caught_up_at is not None and state.caught_up_at >= connected:
        return 0
    queued = _catch_up(integration, run=None)
    if queued:
        transaction.on_commit(lambda: _schedule_drains([integration.pk]))
    return queued


def _preview(run: SyncRun, integration: Integration, adapter) -> SyncRun:
    preview_pending(integration, run=run)
    pulled = pull(integration, run=run, adapter=adapter)
    return run_finish(run, error=pulled.error)


def retry_now(integration: Integration) -> int:
    """Parked (failed) rows and rows waiting out a backoff are due again, at once."""
    count = 0
    for change in Change.objects.filter(integration=integration, state=Change.State.FAILED):
        outbox.requeue(change)
        count += 1
    Change.objects.filter(integration=integration, state=Change.State.PENDING).update(
        next_attempt_at=None
    )
    return count


@transaction.atomic
def changes_send_again(*, changes) -> int:
    """The chosen outbox rows (not those already waiting or being sent) are due again at once;
    each integration concerned gets a drain once the rows are saved. Returns how many."""
    rows = list(changes.exclude(state__in=[Change.State.PENDING, Change.State.IN_PROGRESS]))
    for change in rows:
        outbox.requeue(change)
    integration_ids = sorted({change.integration_id for change in rows})
    transaction.on_commit(lambda: _schedule_drains(integration_ids))
    return len(rows)


def record_retry(*, integration: Integration, kind: str, object_id: int) -> int:
    """Staff's Retry on one failed record: its parked rows are due again now and a drain is
    queued. Returns how many rows went back (0: nothing of it was failed any more)."""
    return changes_send_again(
        changes=Change.objects.filter(
            integration=integration, kind=kind, object_id=object_id, state=Change.State.FAILED
        ).order_by("pk")
    )


def retry_failed(*, integration: Integration | None = None) -> list[SyncRun]:
    """Put parked rows back and send them now (``manage.py retry_failed``)."""
    integrations = Integration.objects.filter(
        pk__in=Change.objects.filter(state=Change.State.FAILED).values("integration_id")
    )
    if integration is not None:
        integrations = integrations.filter(pk=integration.pk)
    runs = []
    for row in integrations:
        if not (row.is_connected and row.sync_enabled):
            continue
        retry_now(row)
        run = run_start(integration=row, trigger=SyncRun.Trigger.RETRY)
        result = drain(row, run=run, trigger=SyncRun.Trigger.SYNC_NOW)
        runs.append(run_finish(result.run or run, note=BUSY if result.busy else ""))
    return runs


def sync_status() -> list[dict]:
    """One line per integration for ``manage.py sync_status``."""
    rows = []
    for integration in Integration.objects.select_related("organisation").order_by("pk"):
        state = outbox.state_for(integration.pk)
        last = SyncRun.objects.filter(integration=integration).first()
        changes = Change.objects.filter(integration=integration)
        rows.append(
            {
                "id": integration.pk,
                "organisation": integration.organisation.name,
                "provider": integration.provider,
                "company": integration.remote_company_name or integration.remote_company_id,
                "status": integration.status,
                "enabled": integration.sync_enabled,
                "waiting": changes.filter(state=Change.State.PENDING).count(),
                "failed": changes.filter(state=Change.State.FAILED).count(),
                "last_run": _iso(last.started_at) if last else None,
                "last_outcome": last.status if last else None,
                "watermark": state.watermark or None,
                "last_pull": _iso(state.last_pull_at),
                "token_expires": _iso(integration.access_expires_at),
            }
        )
    return rows


def _iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None
