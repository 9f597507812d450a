"""Celery tasks of the sync engine: thin, idempotent, keyed by primary key.

Each exits quietly when its row is gone, and calls the engine. A transient failure is retried
with the delay the engine worked out (backoff with jitter, never before Retry-After).
"""

from __future__ import annotations

from functools import partial

from celery import shared_task

from apps.integrations.models import Integration

from . import gather, outbox
from .models import SyncRun
from .runs import run_finish, run_picked_up, run_send, runs_close_interrupted

DRAIN_TASK = "sync.drain_integration"
PULL_TASK = "sync.pull_integration"
PULL_ALL_TASK = "sync.pull_all"
SWEEP_TASK = "sync.sweep_outbox"
SYNC_NOW_TASK = "sync.sync_now"


@shared_task(name=DRAIN_TASK, ignore_result=True)
def drain_integration(integration_id: int) -> None:
    """Send one page of the integration's waiting changes, then give the worker back: the next
    page is queued behind the drains other integrations queued meanwhile (round-robin). Another
    drain of it already running makes this one a no-op: that drain is asked to go round once
    more before it lets go (coalesced)."""
    from .push import DrainResult, batch_rows, close_own_run, page_size, push_page, rows_due

    task_id = drain_integration.request.id
    try:
        integration = Integration.objects.filter(pk=integration_id).first()
        if integration is None:
            gather.started(gather.DRAIN, integration_id, task_id)
            return
        due, size = partial(rows_due, integration), page_size(integration)
        held = gather.hold(
            drain_integration,
            integration_id,
            task_id,
            rows_due=due,
            page=size,
            whole=batch_rows(integration),
        )
    except Exception:
        # The mark is this task's (or the one it was queuing itself as): left in place, every
        # request for two minutes would count on a drain that is not coming.
        gather.started(gather.DRAIN, integration_id)
        raise
    if held:
        return  # changes still arriving: queued again a moment later, no row read yet
    # Requests from now on queue another drain (when the mark is this task's).
    gather.started(gather.DRAIN, integration_id, task_id)
    result = DrainResult()
    error = ""
    # Small first, doubling (fair turns), up to the provider's whole batches; a gathered
    # drain takes what its window gathered.
    rows = gather.page_rows(integration_id, size, gathered=held.gathered)
    try:
        push_page(integration, result=result, size=rows)
        if result.busy:  # the page that serves this drain's requests takes its rows
            gather.page_carried(integration_id, max(rows, held.gathered))
        elif result.retry_in is None:
            gather.page_sent(integration_id, rows, more=result.more)
        else:  # what piles up during the wait goes in one page after it
            gather.page_carried(integration_id, size)
    except Exception as exc:
        error = f"The drain stopped on an unexpected error: {exc}"[:500]
        raise
    finally:
        if result.run is not None:
            close_own_run(result, error=error)
    if result.retry_in is not None:
        # A Retry-After, a backoff or the hub's own limiter: the worker is free meanwhile.
        wait = result.retry_in
        gather.queue_next(drain_integration, gather.DRAIN, integration_id, countdown=wait)
    elif result.more:
        # Behind the other integrations' drains; one drain of this one queued at a time.
        gather.queue_next(drain_integration, gather.DRAIN, integration_id)


@shared_task(name=PULL_TASK, bind=True, ignore_result=True, max_retries=5)
def pull_integration(self, integration_id: int, trigger: str = SyncRun.Trigger.PULL) -> None:
    """Bring in what changed in the integration (beat, and webhooks)."""
    from .pull import POSTPONE_SECONDS, pull

    if trigger == SyncRun.Trigger.WEBHOOK:
        gather.started(gather.WEBHOOK_PULL, integration_id, self.request.id)
    integration = Integration.objects.filter(pk=integration_id).first()
    if integration is None or not integration.is_connected or not integration.sync_enabled:
        return
    from .services import integration_catch_up_if_connected

    integration_catch_up_if_connected(integration=integration)
    # Tasks run in place (eager) ignore a countdown: waiting for links would loop at once.
    result = pull(integration, trigger=trigger, may_postpone=not self.app.conf.task_always_eager)
    if result.postponed:  # the hub's own creates not linked yet: compare again in a moment
        again = {"trigger": trigger}
        wait = POSTPONE_SECONDS
        gather.queue_next(
            pull_integration, gather.WEBHOOK_PULL, integration_id, countdown=wait, kwargs=again
        )
        return
    if result.run is not None:
        run_finish(result.run, error=result.error)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)


@shared_task(name=PULL_ALL_TASK, ignore_result=True)
def pull_all() -> None:
    """Beat's periodic pull: one task per connected integration whose pull is due (idle ones
    less often: apps.sync.schedule), spread over the tick, so none waits on another."""
    from .pull import pulled_kinds
    from .schedule import pulls_due, spread_seconds

    connected = Integration.objects.filter(status=Integration.Status.CONNECTED, sync_enabled=True)
    for integration_id in pulls_due([i.pk for i in connected if pulled_kinds(i)]):
        pull_integration.apply_async((integration_id,), countdown=spread_seconds(integration_id))


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep_outbox() -> None:
    """Resume nightly exports that did not finish, re-queue rows a crashed worker left behind,
    drain whatever is due, and close the runs of workers that died."""
    from .export_resume import exports_resume
    from .nightly_tasks import export_invoices_now

    # First: an export whose worker died is resumed before its run is closed as interrupted.
    for run in exports_resume():
        run_send(export_invoices_now, run)
    runs_close_interrupted(stale_after=outbox.claim_timeout())
    for integration_id in outbox.sweep():
        drain_integration.delay(integration_id)


@shared_task(name=SYNC_NOW_TASK, ignore_result=True)
def sync_now_task(run_id: int) -> None:
    """Sync Now, a page per task: the first pulls and catches up, every one sends a page, the
    last closes the run (the page polls it for progress)."""
    from .services import sync_run_step

    run = SyncRun.objects.filter(pk=run_id, finished_at__isnull=True).first()
    if run is None:
        return
    run_picked_up(run)
    try:
        countdown = sync_run_step(run=run)
    except Exception as exc:
        # The page polls until the run finishes: it must never read "running" for ever.
        run_finish(run, error=f"Sync Now stopped on an unexpected error: {exc}")
        raise
    if countdown is not None:
        run_send(sync_now_task, run, countdown=countdown)


# The nightly export's tasks live beside these; importing them here registers them with workers.
from . import nightly_tasks  # noqa: E402, F401
