"""The sweep resumes a nightly export that did not finish, within minutes, not the next night.

Three ways an export ends unfinished:
- its worker died (SIGKILL, out of memory, a lost queued task): the run is still open and no
  live worker holds the integration's drain claim (claims are refreshed after every page);
- it stopped on an unexpected error (a database connection killed, a defect): the run was
  closed with ``counts["resume"] = "crash"``;
- some invoices were refused for a passing reason (429, 5xx, time-out) after its retries: the
  run was closed with ``counts["resume"] = "retry"``, and is resumed once they are due.
The open run is closed as interrupted, and a new nightly run of the same night takes over;
records an unanswered request may have created are found by the export's look-ups before it
creates anything. See docs/crash-safety.md.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from apps.integrations.models import Integration

from . import outbox
from .models import Change, Kind, SyncRun, SyncState
from .nightly import SCHEDULED_FOR
from .nightly_export import RESUME_CRASH
from .runs import QUEUED, run_start, runs_quiet

# A crash that repeats on every attempt is a defect, not bad luck: stop resuming after this many
# in a row; the run stays failed with its error, and the next night tries again.
MAX_CRASH_RESUMES = 5
INTERRUPTED = "Interrupted: the worker running this export stopped before it finished."


def exports_resume() -> list[SyncRun]:
    """Close the nightly runs whose worker died and open a run for each export to resume; the
    new runs (still to be sent to a worker)."""
    _close_dead_runs()
    resumed = []
    flagged = (
        SyncRun.objects.filter(
            trigger=SyncRun.Trigger.NIGHTLY, finished_at__isnull=False, counts__has_key="resume"
        )
        .exclude(counts__resume="")
        .select_related("integration__organisation")
    )
    for run in flagged:
        new = _take_over(run)
        if new is not None:
            resumed.append(new)
    return resumed


def _close_dead_runs() -> None:
    stale_before = timezone.now() - outbox.claim_timeout()
    alive = SyncState.objects.filter(drain_claimed_at__gte=stale_before).values("integration_id")
    # An export lets go of the claim between its pages: its run's heartbeat says it is alive.
    dead = (
        SyncRun.objects.filter(trigger=SyncRun.Trigger.NIGHTLY, finished_at__isnull=True)
        .filter(runs_quiet(outbox.claim_timeout()), started_at__lt=stale_before)
        .exclude(integration_id__in=alive)
    )
    for run in dead:
        counts = {key: value for key, value in (run.counts or {}).items() if key != QUEUED}
        run.counts = {**counts, "resume": RESUME_CRASH}
        run.status = SyncRun.Status.INTERRUPTED
        run.message = INTERRUPTED
        run.finished_at = timezone.now()
        # Conditional: a worker that was only slow and finishes now keeps its own ending.
        SyncRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
            counts=run.counts, status=run.status, message=run.message, finished_at=run.finished_at
        )


def _take_over(run: SyncRun) -> SyncRun | None:
    reason = run.counts["resume"]
    integration = run.integration
    newer = SyncRun.objects.filter(
        integration=integration, trigger=SyncRun.Trigger.NIGHTLY, pk__gt=run.pk
    ).exists()
    crashes = run.counts.get("crash_resumes", 0) + (reason == RESUME_CRASH)
    settled = newer or not _waiting(integration) or crashes > MAX_CRASH_RESUMES
    if not settled and not _due(integration):
        return None  # refused rows wait for their backoff; look again at the next sweep
    counts = {**run.counts, "resume": ""}
    taken = SyncRun.objects.filter(pk=run.pk, counts__resume=reason).update(counts=counts)
    if taken != 1 or settled or not integration.is_connected:
        return None  # another sweep took it, or nothing is left to do
    new = run_start(integration=integration, trigger=SyncRun.Trigger.NIGHTLY)
    new.counts["crash_resumes"] = crashes
    new.counts["resumes"] = run.pk
    if SCHEDULED_FOR in run.counts:
        new.counts[SCHEDULED_FOR] = run.counts[SCHEDULED_FOR]
    new.save(update_fields=["counts"])
    if run.message == INTERRUPTED:
        resumed = f"{INTERRUPTED} The sweep resumed it as run {new.pk}."
        SyncRun.objects.filter(pk=run.pk).update(message=resumed)
    return new


def _invoice_rows(integration: Integration):
    return Change.objects.filter(integration=integration, kind=Kind.INVOICE)


def _waiting(integration: Integration) -> bool:
    return (
        _invoice_rows(integration)
        .filter(state__in=[Change.State.PENDING, Change.State.IN_PROGRESS])
        .exists()
    )


def _due(integration: Integration) -> bool:
    now = timezone.now()
    due = Q(state=Change.State.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    return _invoice_rows(integration).filter(due | Q(state=Change.State.IN_PROGRESS)).exists()
