"""The Sync Log reads a page of entries in a fixed number of queries, however many entries and
integrations there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.sync.models import SyncLogEntry, SyncRun
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(org, client):
    client.force_login(UserFactory(username="alice", organisation=org))
    return client


def _entries(integration, n: int) -> None:
    run = SyncRun.objects.create(integration=integration, trigger="sync_now", status="partial")
    for number in range(n):
        SyncLogEntry.objects.create(
            run=run,
            integration=integration,
            kind="invoice",
            object_id=number + 1,
            remote_id=f"R{number}",
            direction="push",
            outcome="failed" if number % 2 else "pushed",
            message="Customer has no email" if number % 2 else "",
        )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", ["", "?outcome=failed", "?kind=invoice&page=1"])
def test_sync_log_queries_do_not_grow_with_its_entries(alice, connect, query):
    url = reverse("sync:log") + query
    _entries(connect("quickbooks"), 2)
    few = _queries(alice, url)
    _entries(connect("xero"), 6)
    page = alice.get(url).content.decode()
    assert "Xero" in page
    assert _queries(alice, url) == few
