"""``manage.py benchmark_sync``: a tiny run end to end (PostgreSQL, Redis, its own sandbox
server and worker), and its refusals."""

from __future__ import annotations

import io
import json

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.management.commands.benchmark_sync import report_lines
from apps.sandbox.models import SandboxWebhookDelivery
from tests.sync.real_services import needs_postgres_and_redis

real_services = needs_postgres_and_redis("the benchmark")


@real_services
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_tiny_benchmark_prints_every_figure_and_lands_everything_once(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    out = io.StringIO()

    call_command("benchmark_sync", "--invoices", "5", "--json", "--timeout", "120", stdout=out)

    figures = json.loads(out.getvalue())
    assert figures["invoices"] == 5
    names = [phase["name"] for phase in figures["phases"]]
    assert names == ["new customers", "existing customers", "first Sync Now", "no-change Sync Now"]
    for phase in figures["phases"][:2]:
        for provider in ("quickbooks", "xero", "myob"):
            assert phase["requests"][provider] >= 1
            assert phase["requests_per_1000_invoices"][provider] == pytest.approx(
                phase["requests"][provider] * 200, abs=0.1
            )
            assert phase["runs"][provider]["pushed"] == 5
    # MYOB has no batch endpoint: at least one request per record it was sent.
    assert figures["phases"][1]["requests"]["myob"] >= 5
    assert set(figures["no_change_sync_requests"]) == {"quickbooks", "xero", "myob"}
    assert figures["hub_cpu_ms_per_invoice"] > 0
    assert figures["export_wall_seconds"] > 0
    assert figures["worker_peak_rss_kb"] >= figures["worker_rss_kb_at_start"] > 0
    for tally in figures["sandbox"].values():
        assert tally["invoices_found"] == 10 and tally["customers_found"] == 5
        assert tally["invoice_duplicates"] == tally["invoices_missing"] == 0
        assert tally["customer_duplicates"] == tally["customers_missing"] == 0

    # The sandboxes' webhooks (to a hub at SITE_URL, not this run's server) were off for the
    # run and are back as they were.
    assert not SandboxWebhookDelivery.objects.exists()
    # (MYOB has no webhooks: its app's URL is empty.)
    assert {app.webhook_url for app in ensure_default_apps()} == {
        f"{django_settings.SITE_URL}/webhooks/quickbooks/",
        f"{django_settings.SITE_URL}/webhooks/xero/",
        "",
    }

    text = "\n".join(report_lines(figures))
    for label in (
        "Invoices: 5",
        "new customers:",
        "existing customers:",
        "Requests of the no-change Sync Now:",
        "Hub CPU per exported invoice:",
        "Wall seconds:",
        "Peak RSS of the worker:",
        "QuickBooks sandbox: invoices 10 found, 0 duplicates, 0 missing",
        "Xero sandbox: invoices 10 found, 0 duplicates, 0 missing",
        "MYOB sandbox: invoices 10 found, 0 duplicates, 0 missing",
    ):
        assert label in text


@pytest.mark.django_db
def test_benchmark_without_redis_says_what_it_needs_and_exits_2(settings):
    settings.REDIS_URL = ""

    with pytest.raises(CommandError) as refused:
        call_command("benchmark_sync", "--invoices", "5")

    assert refused.value.returncode == 2
    assert "PostgreSQL and Redis" in str(refused.value)


def test_benchmark_needs_at_least_one_invoice():
    with pytest.raises(CommandError) as refused:
        call_command("benchmark_sync", "--invoices", "0")

    assert refused.value.returncode == 2
