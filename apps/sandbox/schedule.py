"""The sandbox's periodic task in django-celery-beat's database scheduler: redeliver failed
webhook notifications. Created once after migrations (only where the sandbox is on), never
overwritten, so staff may change its interval in the admin."""

from __future__ import annotations

from django.conf import settings

REDELIVER_NAME = "Sandbox: redeliver webhooks"
REDELIVER_TASK = "sandbox.redeliver_webhooks"
REDELIVER_EVERY_SECONDS = 30


def ensure_periodic_tasks(**_kwargs) -> None:
    if not settings.SANDBOX_ENABLED:
        return
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    existing = PeriodicTask.objects.filter(name=REDELIVER_NAME)
    if existing.exists():
        # Switched off while the sandbox was (apps/sync/schedule.py): on again with it.
        existing.filter(enabled=False).update(enabled=True)
        return
    every, _ = IntervalSchedule.objects.get_or_create(
        every=REDELIVER_EVERY_SECONDS, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.create(name=REDELIVER_NAME, task=REDELIVER_TASK, interval=every)
