"""The periodic tasks of review requests and connection warnings, in django-celery-beat's
database scheduler: created once, after migrations, and never overwritten (staff may change an
interval in the admin and it stays changed)."""

from __future__ import annotations

RETRY_NAME = "Reviews: retry review requests not sent"
RETRY_EVERY_MINUTES = 15


def ensure_periodic_tasks(**_kwargs) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from .tasks import RETRY_TASK

    if PeriodicTask.objects.filter(name=RETRY_NAME).exists():
        return
    every, _ = IntervalSchedule.objects.get_or_create(
        every=RETRY_EVERY_MINUTES, period=IntervalSchedule.MINUTES
    )
    PeriodicTask.objects.create(name=RETRY_NAME, task=RETRY_TASK, interval=every)
