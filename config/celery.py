"""The Celery application: tasks are discovered in every app's ``tasks`` module."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ledgerlink")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _connections_kept(task=None, **kwargs) -> None:
    """A worker keeps its database connection from task to task, as a web process does from
    request to request: closed only once older than ``CONN_MAX_AGE`` or found broken
    (``CONN_HEALTH_CHECKS``). Celery's Django fix-up would close it around every task
    (``CELERY_DB_REUSE_MAX`` unset), a new PostgreSQL connection for each of the many short
    drains and pulls (docs/outbox.md, "What a task costs"). Eager tasks run inside their
    caller's transaction and leave its connection alone."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


if os.environ.get("TASK_PROFILE_DIR"):
    from .task_profile import install

    install(os.environ["TASK_PROFILE_DIR"])
