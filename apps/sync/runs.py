"""Sync runs and the Sync Log: every push, pull, skip, hold-back and failure, readable by staff."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from apps.integrations.models import Integration

from .models import SyncLogEntry, SyncRun, SyncState

COUNTERS = ("pushed", "pulled", "held_back", "skipped", "failed", "retrying")
OUTCOME_COUNTER = {
    SyncLogEntry.Outcome.PUSHED: "pushed",
    SyncLogEntry.Outcome.PULLED: "pulled",
    SyncLogEntry.Outcome.HELD_BACK: "held_back",
    SyncLogEntry.Outcome.SKIPPED: "skipped",
    SyncLogEntry.Outcome.FAILED: "failed",
    SyncLogEntry.Outcome.RETRYING: "retrying",
}


def empty_counts() -> dict:
    return {**{name: 0 for name in COUNTERS}, "held_back_reasons": {}, "failures": []}


def run_start(*, integration: Integration, trigger: str, dry_run: bool = False) -> SyncRun:
    return SyncRun.objects.create(
        integration=integration,
        trigger=trigger,
        dry_run=dry_run,
        counts=empty_counts(),
        heartbeat_at=timezone.now(),
    )


def log(
    *,
    run: SyncRun | None,
    integration: Integration,
    kind: str,
    object_id: int | None,
    direction: str,
    outcome: str,
    message: str = "",
    remote_id: str = "",
) -> None:
    """One Sync Log line, counted on the run it belongs to (saved when the run finishes)."""
    if run is None or not run.dry_run:
        SyncLogEntry.objects.create(
            run=run,
            integration=integration,
            kind=kind,
            object_id=object_id,
            remote_id=remote_id or "",
            direction=direction,
            outcome=outcome,
            message=message,
        )
    if run is not None:
        count(run, outcome, message=message, kind=kind, object_id=object_id)


def count(run: SyncRun, outcome: str, *, message: str = "", kind: str = "", object_id=None) -> None:
    counts = run.counts or empty_counts()
    name = OUTCOME_COUNTER.get(outcome)
    if name:
        counts[name] = counts.get(name, 0) + 1
    if outcome == SyncLogEntry.Outcome.HELD_BACK:
        reasons = counts.setdefault("held_back_reasons", {})
        reasons[message] = reasons.get(message, 0) + 1
    if outcome == SyncLogEntry.Outcome.FAILED:
        failures = counts.setdefault("failures", [])
        if len(failures) < 50:
            failures.append(f"{kind} {object_id or ''}: {message}".strip())
    run.counts = counts


def run_save_progress(run: SyncRun) -> None:
    SyncRun.objects.filter(pk=run.pk).update(counts=run.counts, heartbeat_at=timezone.now())


# A run whose next task waits in the queue has no worker to beat its heart: it is "queued" from
# the moment its task is sent (``run_send``) until a worker picks it up (``run_picked_up``).
# A backlog holds tasks far more often than a task is lost, so the sweep gives a queued run this
# many claim timeouts before it calls it interrupted, and only one to a run a worker was running.
QUEUED = "queued"
QUEUED_GRACE = 3


def run_send(task, run: SyncRun, *, countdown: float = 0.0, **options) -> None:
    """Send ``task`` for ``run`` (after ``countdown`` seconds), the run marked as queued."""
    run.counts = {**(run.counts or empty_counts()), QUEUED: True}
    SyncRun.objects.filter(pk=run.pk).update(
        counts=run.counts, heartbeat_at=timezone.now() + timedelta(seconds=countdown)
    )
    task.apply_async((run.pk,), countdown=countdown or None, **options)


def run_picked_up(run: SyncRun) -> None:
    """A worker has the run's task: from now on its heartbeat says whether it is alive."""
    if QUEUED in (run.counts or {}):
        run.counts.pop(QUEUED)
        run_save_progress(run)


def runs_quiet(stale_after: timedelta) -> Q:
    """Runs nothing has touched for ``stale_after`` (a queued run: ``QUEUED_GRACE`` times it)."""
    now = timezone.now()
    before, queued_before = now - stale_after, now - stale_after * QUEUED_GRACE
    running = Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, started_at__lt=before)
    queued = Q(counts__has_key=QUEUED)
    return (~queued & running) | (queued & Q(heartbeat_at__lt=queued_before))


def run_finish(run: SyncRun, *, error: str = "", note: str = "") -> SyncRun:
    """Close the run: failed when ``error`` stopped it, partial when some records failed."""
    counts = run.counts or empty_counts()
    if error:
        run.status = SyncRun.Status.FAILED
    elif counts.get("failed"):
        run.status = SyncRun.Status.PARTIAL
    else:
        run.status = SyncRun.Status.SUCCEEDED
    run.message = error or note
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "message", "finished_at", "counts"])
    return run


INTERRUPTED = (
    "Interrupted: the worker running it stopped before it finished. Nothing is lost: what it "
    "had not sent waits in the queue and goes with the next sync."
)


def runs_close_interrupted(*, stale_after: timedelta) -> list[SyncRun]:
    """Close the runs whose worker died: still running, no progress for ``stale_after``, and
    nobody holds a drain or pull claim on their integration (a live worker keeps its claim
    fresh). Returns them, closed, so the sweep can resume what needs resuming."""
    before = timezone.now() - stale_after
    busy = SyncState.objects.filter(
        Q(drain_claimed_at__gte=before) | Q(pull_claimed_at__gte=before)
    ).values("integration_id")
    stale = (
        SyncRun.objects.filter(status=SyncRun.Status.RUNNING, finished_at__isnull=True)
        .filter(runs_quiet(stale_after))
        .exclude(integration_id__in=busy)
    )
    closed = []
    for run in stale:
        # Conditional: a run that finished meanwhile keeps its own ending.
        if SyncRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
            status=SyncRun.Status.INTERRUPTED, message=INTERRUPTED, finished_at=timezone.now()
        ):
            run.refresh_from_db()
            closed.append(run)
    return closed
