from __future__ import annotations

import pytest

from apps.integrations.models import Integration
from config.celery import app
from tests.staff import *  # noqa: F403 (the alice / bob / charlie fixtures)


@pytest.fixture
def eager_tasks():
    """Tasks queued after commit run at once, in this process."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def quickbooks(org):
    return Integration.objects.create(
        organisation=org,
        provider="quickbooks",
        remote_company_id="realm-1",
        remote_company_name="Harbour books",
        country="US",
        currency="USD",
        review_automation=True,
    )
