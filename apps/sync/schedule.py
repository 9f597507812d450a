"""The engine's periodic tasks, in django-celery-beat's database scheduler (DESIGN.md rule 11).

Created once, after migrations, and never overwritten: staff may change an interval in the admin
and it stays changed. ``SYNC_PULL_INTERVAL_SECONDS`` sets the pull interval of a new installation.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

SWEEP_NAME = "Sync: sweep the outbox"
PULL_NAME = "Sync: pull every integration"
SWEEP_EVERY_SECONDS = 60


def ensure_periodic_tasks(**_kwargs) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from .tasks import PULL_ALL_TASK, SWEEP_TASK

    for name, task, seconds in (
        (SWEEP_NAME, SWEEP_TASK, SWEEP_EVERY_SECONDS),
        (PULL_NAME, PULL_ALL_TASK, settings.SYNC_PULL_INTERVAL_SECONDS),
    ):
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        every, _ = IntervalSchedule.objects.get_or_create(
            every=seconds, period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.create(name=name, task=task, interval=every)


# --- adaptive polling (docs/pulls.md, README "Polling at scale") -------------------------------
DEFAULT_MAX_INTERVAL_SECONDS = 3600


def max_interval_seconds() -> int:
    base = settings.SYNC_PULL_INTERVAL_SECONDS
    chosen = getattr(settings, "SYNC_PULL_MAX_INTERVAL_SECONDS", DEFAULT_MAX_INTERVAL_SECONDS)
    return max(base, int(chosen))


def interval_for(*, idle_seconds: float | None, has_webhooks: bool) -> float:
    """How long to wait between periodic pulls of one integration.

    Webhooks announce changes; polling only catches what they miss. An integration that gets
    webhooks and whose pulls have found nothing for a while is polled after half the time it
    has been quiet, from ``SYNC_PULL_INTERVAL_SECONDS`` up to ``SYNC_PULL_MAX_INTERVAL_SECONDS``
    (an hour by default). Without webhooks, or once a pull brings a change or staff act, it is
    the base interval again."""
    base = settings.SYNC_PULL_INTERVAL_SECONDS
    if not has_webhooks or idle_seconds is None:
        return base
    return min(max(base, idle_seconds / 2), max_interval_seconds())


def pulls_due(integration_ids: list[int], *, now=None) -> list[int]:
    """The integrations whose periodic pull is due now, read in four queries however many."""
    from django.db.models import Max
    from django.utils import timezone

    from apps.integrations.models import WebhookEvent

    from .models import SyncRun, SyncState

    now = now or timezone.now()
    base = settings.SYNC_PULL_INTERVAL_SECONDS
    window = now - timedelta(seconds=2 * max_interval_seconds())
    last_pull = dict(
        SyncState.objects.filter(integration_id__in=integration_ids).values_list(
            "integration_id", "last_pull_at"
        )
    )
    with_webhooks = set(
        WebhookEvent.objects.filter(integration_id__in=integration_ids, received_at__gte=window)
        .values_list("integration_id", flat=True)
        .distinct()
    )
    active = _last_activity(integration_ids, since=window, run_model=SyncRun, latest=Max)
    due = []
    for integration_id in integration_ids:
        pulled_at = last_pull.get(integration_id)
        if pulled_at is None:
            due.append(integration_id)
            continue
        busy_at = active.get(integration_id)
        idle = (now - busy_at).total_seconds() if busy_at else (now - window).total_seconds()
        interval = interval_for(idle_seconds=idle, has_webhooks=integration_id in with_webhooks)
        # Beat ticks every base interval: pull now when waiting for the next tick would
        # leave it longer than its interval.
        if (now - pulled_at).total_seconds() + base > interval:
            due.append(integration_id)
    return due


def _last_activity(integration_ids, *, since, run_model, latest) -> dict:
    """Integration → the latest moment a pull brought a change or staff acted on it (a Sync
    Now, or a change sent from the hub), within the window."""
    Trigger = run_model.Trigger
    runs = run_model.objects.filter(integration_id__in=integration_ids, started_at__gte=since)
    brought = runs.filter(trigger__in=[Trigger.PULL, Trigger.WEBHOOK], counts__pulled__gt=0)
    staff = runs.filter(trigger__in=[Trigger.SYNC_NOW, Trigger.EVENT])
    found: dict = {}
    for queryset in (brought, staff):
        for integration_id, moment in (
            queryset.values("integration_id")
            .annotate(at=latest("started_at"))
            .values_list("integration_id", "at")
        ):
            if moment and (integration_id not in found or moment > found[integration_id]):
                found[integration_id] = moment
    return found


def spread_seconds(integration_id: int) -> int:
    """A fixed offset within the tick, so that thousands of integrations due at one beat tick
    are pulled across it rather than in one burst against the provider's per-app limit (each
    keeps its offset, so one pulled every tick is still pulled every base interval)."""
    return (integration_id * 7919) % max(1, settings.SYNC_PULL_INTERVAL_SECONDS)
