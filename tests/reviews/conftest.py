from __future__ import annotations

import pytest

from config.celery import app
from tests.staff import *  # noqa: F403 (the alice / bob / charlie fixtures)


@pytest.fixture
def eager_tasks():
    """Tasks queued after commit run at once, in this process."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def review_automation_on(quickbooks):
    quickbooks.review_automation = True
    quickbooks.save()
