"""The engine's periodic tasks, in django-celery-beat's database scheduler
(docs/sync-rules.md, "Timing").

Created once, after migrations, and never overwritten: staff may change an interval in the admin
and it stays changed. ``SYNC_PULL_INTERVAL_SECONDS`` sets the pull interval of a new installation.
"""

from __future__ import annotations

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
