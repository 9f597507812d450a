"""A worker SIGKILLed in the middle of a drain, and a new one started: afterwards every record is
in every integration that should have it exactly once, and nowhere else
(docs/sync-rules.md, "Idempotency")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from apps.sync.models import Change, Link, SyncState
from apps.sync.tasks import sweep_outbox
from tests.sync.conftest import Hub
from tests.sync.test_end_to_end import numbers, remote
from tests.sync.test_worker import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

ROOT = Path(__file__).resolve().parents[2]
INVOICES = 12


def worker_process(settings, live_server) -> subprocess.Popen:
    """``celery worker`` in its own process, on the test database and the live sandboxes."""
    db = connection.settings_dict
    base = f"{live_server.url}/sandbox"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "SITE_URL": live_server.url,
        "TOKEN_ENCRYPTION_KEYS": ",".join(settings.TOKEN_ENCRYPTION_KEYS),
        "QBO_DISCOVERY_URL": settings.QBO_DISCOVERY_URL,
        "QBO_API_BASE": f"{base}/quickbooks/v3",
        "XERO_TOKEN_URL": settings.XERO_TOKEN_URL,
        "XERO_CONNECTIONS_URL": settings.XERO_CONNECTIONS_URL,
        "XERO_API_BASE": f"{base}/xero/api.xro/2.0",
        "MYOB_TOKEN_URL": settings.MYOB_TOKEN_URL,
        "MYOB_API_BASE": f"{base}/myob/accountright",
        "OAUTHLIB_INSECURE_TRANSPORT": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "solo",
        "--loglevel",
        "WARNING",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
    ]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.fixture
def redis_postgres(settings):
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and a PostgreSQL DATABASE_URL: a worker in its own process")


@pytest.fixture(params=["both", "three"])
def ledgers(request):
    """QuickBooks and Xero (an American organisation), or those and MYOB (an Australian one):
    the organisation's hub and its integrations."""
    if request.param == "both":
        return request.getfixturevalue("live_hub"), request.getfixturevalue("both")
    org, integrations = request.getfixturevalue("three")
    return Hub(org), integrations


def test_worker_killed_mid_drain_and_restarted_leaves_every_record_exactly_once(
    redis_postgres, ledgers, settings, live_server
):
    from config.celery import app

    hub, both = ledgers
    qbo = both[0]
    app.control.purge()
    invoices = [
        hub.invoice(hub.customer(f"Client {n}", f"client{n}@example.com")) for n in range(INVOICES)
    ]
    first = worker_process(settings, live_server)
    try:
        wait_for(
            lambda: Link.objects.filter(integration=qbo, kind="invoice").count() >= 3,
            what="the first worker to get going",
        )
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    assert Link.objects.filter(kind="invoice").count() < len(both) * INVOICES, "killed too late"
    # Minutes pass: the dead worker's claims go stale.
    old = timezone.now() - timedelta(hours=1)
    SyncState.objects.update(drain_claimed_at=old)
    Change.objects.filter(state="in_progress").update(claimed_at=old)

    second = worker_process(settings, live_server)
    try:
        sweep_outbox.delay()
        wait_for(
            lambda: not Change.objects.exclude(state__in=["done", "held_back"]).exists(),
            timeout=120,
            what="the second worker to finish",
        )
    finally:
        second.terminate()
        second.wait(timeout=30)
    for integration in both:
        found = numbers(integration)
        assert [found[i.number] for i in invoices] == [1] * INVOICES, integration.provider
        emails = Counter(
            (data.get("PrimaryEmailAddr") or {}).get("Address")
            or data.get("EmailAddress")
            or next((a.get("Email") for a in data.get("Addresses") or []), None)
            for data in remote(integration, "customer").values_list("data", flat=True)
        )
        assert all(emails[f"client{n}@example.com"] == 1 for n in range(INVOICES))
