"""A worker keeps its database connection from task to task (config/celery.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection

from config.celery import app


class Task:
    """A task as a worker runs it (not eager); hashable, as signal senders are."""

    request = SimpleNamespace(is_eager=False)


def _run_task_signals(fixup: DjangoWorkerFixup) -> None:
    """What a worker process does around one task: Celery's Django fix-up, then ours."""
    task = Task()
    fixup.on_task_prerun(task)
    task_prerun.send(sender=task, task=task, task_id="t", args=(), kwargs={})
    connection.cursor().execute("SELECT 1")  # the task's work
    fixup.on_task_postrun(task)
    task_postrun.send(sender=task, task=task, task_id="t", args=(), kwargs={})


@pytest.fixture
def worker_connection(transactional_db):
    """Celery's Django fix-up as a worker process has it, and the connection it opened."""
    if connection.vendor != "postgresql" or not connection.settings_dict.get("CONN_MAX_AGE"):
        pytest.skip("kept connections are PostgreSQL's (SQLite's are not kept: CONN_MAX_AGE 0)")
    connection.ensure_connection()
    return DjangoWorkerFixup(app), connection.connection


def test_a_worker_runs_many_tasks_on_one_database_connection(worker_connection):
    fixup, opened = worker_connection

    for _ in range(5):
        _run_task_signals(fixup)

    assert connection.connection is opened


def test_a_broken_connection_is_replaced_before_the_next_task(worker_connection):
    fixup, opened = worker_connection
    opened.close()  # the server went away (a restart, a dropped socket)
    connection.errors_occurred = True  # as Django marks it after a connection-level error

    _run_task_signals(fixup)

    assert connection.connection is not opened
