"""The engine's periodic tasks, in django-celery-beat's database scheduler
(docs/sync-rules.md, "Timing").

Created once, after migrations, and never overwritten: staff may change an interval in the admin
and it stays changed. ``SYNC_PULL_INTERVAL_SECONDS`` sets the pull interval of a new installation.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

logger = logging.getLogger(__name__)

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
    disable_unknown_tasks()


def disable_unknown_tasks() -> list[str]:
    """Switch off beat entries whose task no installed app defines any more (an app removed,
    or the sandbox switched off on a database migrated with it on), so that no worker logs an
    unknown task every few seconds. They stay in the admin, switched off; an app that owns one
    may switch it on again once it is installed again (the sandbox does)."""
    from celery import current_app
    from django_celery_beat.models import PeriodicTask

    current_app.loader.import_default_modules()
    known = set(current_app.tasks)
    unknown = PeriodicTask.objects.filter(enabled=True).exclude(task__in=known)
    names = sorted(unknown.values_list("name", flat=True))
    if names:
        unknown.update(enabled=False)
        logger.warning("Beat entries switched off, their task is not defined: %s", names)
    return names


# --- adaptive polling (docs/pulls.md, README "Polling at scale") -------------------------------
DEFAULT_MAX_INTERVAL_SECONDS = 3600
WEBHOOKS_SEEN_WITHIN = timedelta(days=30)


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
    """The integrations whose periodic pull is due now, read in one query however many."""
    now = now or timezone.now()
    base = settings.SYNC_PULL_INTERVAL_SECONDS
    window = now - timedelta(seconds=2 * max_interval_seconds())
    due = []
    for integration_id, pulled_at, hooked, active_at in _polling_facts(
        integration_ids, now, window
    ):
        if pulled_at is None:
            due.append(integration_id)
            continue
        idle = (now - (active_at or window)).total_seconds()
        interval = interval_for(idle_seconds=idle, has_webhooks=hooked)
        # Beat ticks every base interval: pull now when waiting for the next tick would
        # leave it longer than its interval.
        if (now - pulled_at).total_seconds() + base > interval:
            due.append(integration_id)
    return due


def _polling_facts(integration_ids: list[int], now, window):
    """(id, last pull, gets webhooks, last activity) per integration. Activity is a pull that
    brought a change, a Sync Now or a change sent from the hub, within the window; an
    integration gets webhooks when one arrived in the last month."""
    from apps.integrations.models import Integration, WebhookEvent

    from .models import SyncRun

    Trigger = SyncRun.Trigger
    activity = SyncRun.objects.filter(integration=OuterRef("pk"), started_at__gte=window).filter(
        Q(trigger__in=[Trigger.PULL, Trigger.WEBHOOK], counts__pulled__gt=0)
        | Q(trigger__in=[Trigger.SYNC_NOW, Trigger.EVENT])
    )
    hooks = WebhookEvent.objects.filter(
        integration=OuterRef("pk"), received_at__gte=now - WEBHOOKS_SEEN_WITHIN
    )
    return (
        Integration.objects.filter(pk__in=integration_ids)
        .annotate(
            hooked=Exists(hooks),
            active_at=Subquery(activity.order_by("-started_at").values("started_at")[:1]),
        )
        .values_list("pk", "sync_state__last_pull_at", "hooked", "active_at")
    )


def spread_seconds(integration_id: int) -> int:
    """A fixed offset within the tick, so that thousands of integrations due at one beat tick
    are pulled across it rather than in one burst against the provider's per-app limit (each
    keeps its offset, so one pulled every tick is still pulled every base interval)."""
    return (integration_id * 7919) % max(1, settings.SYNC_PULL_INTERVAL_SECONDS)
