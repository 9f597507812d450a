"""Integrations, Invoice Settings and Quote Settings read their integrations and each one's latest
sync in a fixed number of queries, however many integrations and runs there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.integrations.models import Provider
from apps.sync.models import SyncRun

pytestmark = pytest.mark.django_db

PAGES = ["integrations:index", "integrations:invoice_settings", "integrations:quote_settings"]


def _queries(client, url) -> int:
    # A page's first visit may fill what is kept per company (the ledger's chart of accounts,
    # tax codes) and the session: a one-off, not a cost that grows. Count a later visit.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _runs(integration, n: int) -> None:
    for status in ["failed", "succeeded", "partial"][:n] * max(1, n // 3):
        SyncRun.objects.create(integration=integration, trigger="sync_now", status=status)


@pytest.mark.parametrize("name", PAGES)
def test_page_queries_do_not_grow_with_integrations_or_their_runs(as_alice, make_integration, name):
    url = reverse(name)
    _runs(make_integration(Provider.QUICKBOOKS), 1)
    few = _queries(as_alice, url)
    xero = make_integration(Provider.XERO)
    _runs(xero, 3)
    assert _queries(as_alice, url) == few


def test_settings_page_queries_do_not_grow_with_past_runs(as_alice, make_integration):
    qbo = make_integration(Provider.QUICKBOOKS)
    url = reverse("integrations:settings", args=[qbo.pk])
    _runs(qbo, 1)
    few = _queries(as_alice, url)
    _runs(qbo, 6)
    assert _queries(as_alice, url) == few
