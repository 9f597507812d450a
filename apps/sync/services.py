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
from django.utils import timezone

from apps.integrations.models import Integration

from . import outbox
from .catchup import catch_up, held_back_history, preview_pending
from .models import Change, SyncRun, SyncState
from .pull import pull
from .push import drain
from .recorder import _schedule_drains
from .runs import run_finish, run_start

DISCONNECTED = "The integration is disconnected: reconnect it to sync."
DISABLED = "Enable Sync is off for this integration."
BUSY = "Another sync of this integration is still running; it sends the rest."
BUSY_WAIT_SECONDS = 30


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


def sync_now(*, integration: Integration, dry_run: bool = False) -> SyncRun:
    """Start a Sync Now (or its preview) of one integration; a worker runs it."""
    run = run_start(integration=integration, trigger=SyncRun.Trigger.SYNC_NOW, dry_run=dry_run)
    from .tasks import sync_now_task

    transaction.on_commit(lambda: sync_now_task.delay(run.pk))
    return run


def sync_run_execute(*, run: SyncRun, adapter=None) -> SyncRun:
    """Sync Now for one integration only: retry what failed at once, pull what changed there,
    queue what is in progress or changed in the hub since it was last exchanged, and push.
    A dry run reports what would happen and changes nothing."""
    integration = Integration.objects.get(pk=run.integration_id)
    if not integration.is_connected:
        return run_finish(run, error=DISCONNECTED)
    if not integration.sync_enabled:
        return run_finish(run, error=DISABLED)
    if run.dry_run:
        return _preview(run, integration, adapter)
    retry_now(integration)
    pulled = pull(integration, run=run, adapter=adapter, trigger=SyncRun.Trigger.SYNC_NOW)
    _catch_up(integration, run=run)
    _send_invoices_in_batches(integration, run)
    result = _drain_waiting(integration, run, adapter)
    if result.retry_in is not None:
        from .tasks import drain_integration

        drain_integration.apply_async((integration.pk,), countdown=result.retry_in)
    note = (
        "Another sync of this integration is still running; it sends the rest."
        if result.busy
        else ""
    )
    return run_finish(run, error=pulled.error, note=note)


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


# From this many waiting invoices on, Sync Now sends them through the provider's batch API (the
# nightly export's path) instead of one request each: a thousand invoices to Xero would
# otherwise take most of an hour at its 60 requests a minute.
BATCH_FROM = 20


def _send_invoices_in_batches(integration: Integration, run: SyncRun) -> None:
    waiting = Change.objects.filter(
        integration=integration, kind="invoice", state=Change.State.PENDING
    ).count()
    if waiting < BATCH_FROM:
        return
    from .nightly_export import nightly_export_run

    nightly_export_run(integration=integration, run=run)
    # The export closes the run it was given; this Sync Now carries on in the same run.
    run.status, run.finished_at = SyncRun.Status.RUNNING, None
    SyncRun.objects.filter(pk=run.pk).update(status=run.status, finished_at=None)


def _drain_waiting(integration: Integration, run: SyncRun, adapter):
    """Drain now; when another worker is draining, wait a little for it rather than report a
    Sync Now that did nothing."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        result = drain(integration, run=run, adapter=adapter, trigger=SyncRun.Trigger.SYNC_NOW)
        if not result.busy or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


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
        result = _drain_waiting(row, run, None)
        runs.append(run_finish(result.run or run))
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
