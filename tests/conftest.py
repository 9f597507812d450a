from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _local_settings(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session", autouse=True)
def _tasks_stay_in_the_test_run():
    """Without Redis the embedded broker is a folder the product's own worker reads: tasks the
    tests send (no worker runs them there) would wait in it and be run by the next
    ``bin/dev start``. Tests keep them in memory instead."""
    from django.conf import settings

    if settings.REDIS_URL:
        yield
        return
    from config.celery import app

    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, dropped at the end even if a live-server request thread (idle on a
    keep-alive socket) or a worker still holds a connection to it (PostgreSQL refuses to drop
    a database that other sessions use)."""
    yield
    with django_db_blocker.unblock():
        _end_other_sessions()


def pytest_sessionfinish(session, exitstatus):
    """On SQLite Django removes the test database's file but not its write-ahead log files."""
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name:
        for leftover in (f"{name}-wal", f"{name}-shm"):
            Path(leftover).unlink(missing_ok=True)


def _end_other_sessions() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
