"""The daily connection check, in django-celery-beat's database scheduler: created once, after
migrations, and never overwritten (staff may move it in the admin and it stays moved)."""

from __future__ import annotations

WARNINGS_NAME = "Integrations: e-mail connection warnings"


def ensure_periodic_tasks(**_kwargs) -> None:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from .tasks import WARNINGS_TASK

    if PeriodicTask.objects.filter(name=WARNINGS_NAME).exists():
        return
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.create(name=WARNINGS_NAME, task=WARNINGS_TASK, crontab=daily)
