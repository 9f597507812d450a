"""``manage.py benchmark_sync --mode events --quick``: staff sends, ledger edits, a burst and
several organisations, end to end with the Procfile's worker and the sandboxes' webhooks on."""

from __future__ import annotations

import io
import json

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from apps.integrations.models import WebhookEvent
from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.models import SandboxWebhookDelivery
from apps.sandbox.tools.event_report import events_report_lines
from tests.sync.real_services import needs_postgres_and_redis

real_services = needs_postgres_and_redis("the benchmark")


@real_services
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_quick_event_benchmark_prints_every_figure_and_lands_everything_once(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    out = io.StringIO()

    call_command("benchmark_sync", "--mode", "events", "--quick", "--json", stdout=out)

    figures = json.loads(out.getvalue())
    one, burst = figures["one_by_one"], figures["burst"]
    for provider in ("quickbooks", "xero"):
        assert one[provider]["requests_per_invoice"] >= 2  # at least the customer and invoice
        assert burst[provider]["requests_per_invoice"] > 0
        assert one["p95_seconds"][provider] > 0
    assert one["p95_seconds"]["both"] >= one["p95_seconds"]["xero"]
    assert [edit["not_arrived"] for edit in one["edits"].values()] == [0, 0]
    assert all(edit["p95_seconds"] > 0 for edit in one["edits"].values())
    assert burst["not_arrived"] == 0 and burst["seconds_until_all_in_both"] > 0
    assert [fair["worker_processes"] for fair in figures["organisations"]] == [1, 2]
    for fair in figures["organisations"]:
        assert fair["not_arrived"] == 0 and fair["first_invoice_in_both_max_seconds"] > 0
        assert fair["organisations_with_an_invoice_in_both"] == fair["organisations"]
        assert fair["invoices_in_both"] == fair["invoices"] and fair["issued_seconds"] > 0
    # A backlog saved while no worker ran is sent once one starts, by each size of worker.
    assert [drained["worker_processes"] for drained in figures["backlog"]] == [1, 2]
    for drained in figures["backlog"]:
        assert drained["not_arrived"] == 0 and drained["invoices"] == 4
        assert drained["seconds_until_all_in_both"] > 0
    assert figures["throughput_ratio_2_to_1"] > 0 and figures["staff_pace_ratio_2_to_1"] > 0
    assert burst["hub_cpu_ms_per_invoice"] > 0
    assert not any(figures["tally"].values()), figures["tally"]

    # The ledgers' notifications reached the run's own server, which recorded them for pulls;
    # the apps point at SITE_URL again afterwards.
    assert SandboxWebhookDelivery.objects.filter(last_status=200).exists()
    assert WebhookEvent.objects.filter(integration__isnull=False).exists()
    # (MYOB has no webhooks: its app's URL is empty.)
    assert {app.webhook_url for app in ensure_default_apps()} == {
        f"{django_settings.SITE_URL}/webhooks/quickbooks/",
        f"{django_settings.SITE_URL}/webhooks/xero/",
        "",
    }
    text = "\n".join(events_report_lines(figures))
    for label in (
        "Requests per invoice, one send with a new customer",
        "Send → in both ledgers, p95 over 2",
        "Edit in QuickBooks → in Xero, p95 over 1",
        "Edit in Xero → in QuickBooks, p95 over 1",
        "Burst of 3 sends",
        "2 organisations × 2 invoices with 1 worker process(es)",
        "Backlog of 4 sends, 2 worker process(es) taking it: all in both ledgers in",
        "Throughput, 2 worker processes / 1",
        "Hub CPU per invoice",
        "QuickBooks: invoices 0 duplicates, 0 missing; customers 0 duplicates, 0 missing",
        "Xero: invoices 0 duplicates, 0 missing; customers 0 duplicates, 0 missing",
    ):
        assert label in text


def test_more_edits_than_half_the_sends_is_refused_before_anything_starts():
    with pytest.raises(CommandError) as refused:
        call_command("benchmark_sync", "--mode", "events", "--sends", "4", "--edits", "3")

    assert refused.value.returncode == 2
    assert "--edits at most half of --sends" in str(refused.value)


def test_nightly_mode_still_needs_an_invoice_count():
    with pytest.raises(CommandError) as refused:
        call_command("benchmark_sync")

    assert refused.value.returncode == 2
