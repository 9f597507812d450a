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


def _mixed(integration, records: dict, n: int) -> None:
    """``n`` entries cycling through every kind of record, in runs of 7, some with no remote id
    (their ledger link is read from the record's Link)."""
    kinds = list(records)
    run = None
    for number in range(n):
        if number % 7 == 0:
            run = SyncRun.objects.create(integration=integration, trigger="pull", counts={})
        kind = kinds[number % len(kinds)]
        SyncLogEntry.objects.create(
            run=run,
            integration=integration,
            kind=kind,
            object_id=records[kind].pk,
            remote_id="" if number % 3 == 0 else f"R{number}",
            direction="pull" if number % 2 else "push",
            outcome=["pushed", "pulled", "held_back", "failed", "retrying"][number % 5],
        )


def test_a_page_of_50_entries_of_every_kind_is_named_in_a_fixed_number_of_queries(
    alice, org, connect
):
    from tests.sync.test_log_readable import make_records

    records = make_records(org)
    qbo, xero = connect("quickbooks"), connect("xero")
    url = reverse("sync:log")
    _mixed(qbo, records, 6)
    few = _queries(alice, url)
    _mixed(qbo, records, 25)
    _mixed(xero, records, 25)
    with CaptureQueriesContext(connection) as captured:
        response = alice.get(url)
    assert len(response.context["page"].object_list) == 50
    assert "INV-0007 · Thomas Green" in response.content.decode()
    assert len(captured) == few
    # session, user, organisation; the count and the page; one per kind of record (6); the
    # links of entries without a remote id; the hidden-unchanged count; the integration
    # filter's choices; the health strip (integrations, their last runs, their waiting rows);
    # the connection warnings banner (integrations)
    assert len(captured) <= 18, "\n".join(q["sql"][:90] for q in captured.captured_queries)
