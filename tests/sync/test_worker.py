"""The engine's Celery tasks on a real worker consuming Redis, against both sandboxes over HTTP.

Skipped (with the reason) only when REDIS_URL is not set: the embedded broker has no worker
that a test can start in-process."""

from __future__ import annotations

import time

import pytest
from django.db.models import Q
from django.urls import reverse

from apps.invoices.models import Invoice
from apps.invoices.services import invoice_cancel
from apps.sync.models import Change, Link, SyncLogEntry, SyncRun, SyncState
from tests.factories import UserFactory
from tests.sync.test_echoes import quickbooks_notifies
from tests.sync.test_end_to_end import numbers, someone_invoices_in_quickbooks

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def wait_for(condition, *, timeout: float = 45.0, what: str = "the worker") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"Timed out waiting for {what}.")


@pytest.fixture
def worker(sandboxes, settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: a real Celery worker consumes Redis")
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.control.purge()  # messages left by other tests name rows that no longer exist
    with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False):
        yield app
        # Let drains queued by the test finish before the worker and the database go away.
        try:
            wait_for(_quiet, what="the outbox to empty")
        except AssertionError:
            states = list(SyncState.objects.values("integration_id", "drain_claimed_at"))
            rows = list(Change.objects.exclude(state="done").values("kind", "state", "attempts"))
            raise AssertionError(f"Outbox not empty: {rows} {states}") from None


def _quiet() -> bool:
    """Nothing draining or pulling (the sandbox's webhooks start pulls of their own), and
    nothing waiting that is due."""
    busy = SyncState.objects.filter(
        Q(drain_claimed_at__isnull=False) | Q(pull_claimed_at__isnull=False)
    ).exists()
    waiting = Change.objects.filter(state__in=["pending", "in_progress"], next_attempt_at=None)
    return not busy and not waiting.exists()


def test_hub_change_reaches_both_integrations_through_the_worker(both, live_hub, worker):
    qbo, xero = both
    invoice = live_hub.invoice()  # the outbox rows commit; the drains are queued after commit
    wait_for(lambda: Link.objects.filter(kind="invoice", object_id=invoice.pk).count() == 2)
    assert numbers(qbo)[invoice.number] == 1
    assert numbers(xero)[invoice.number] == 1


def test_webhook_pull_brings_a_quickbooks_invoice_in_and_on_to_xero(both, worker):
    qbo, xero = both
    _, created = someone_invoices_in_quickbooks(qbo, number="QB-7001")
    quickbooks_notifies(qbo, "Invoice", created["Id"])  # the receiver queues the webhook's pull
    wait_for(lambda: Invoice.objects.filter(number="QB-7001").exists(), what="the pull")
    invoice = Invoice.objects.get(number="QB-7001")
    wait_for(lambda: Link.objects.filter(integration=xero, kind="invoice", object_id=invoice.pk))
    assert numbers(xero)["QB-7001"] == 1
    assert numbers(qbo)["QB-7001"] == 1


def test_sync_now_button_runs_on_the_worker_and_ends_with_a_summary(
    both, live_hub, live_org, worker, client
):
    qbo, _ = both
    live_hub.invoice()
    cancelled = live_hub.invoice(send=False)
    invoice_cancel(invoice=cancelled)  # history: held back, never sent
    client.force_login(UserFactory(organisation=live_org))
    response = client.post(reverse("sync:sync_now", args=[qbo.pk]), HTTP_HX_REQUEST="true")
    assert "every 2s" in response.content.decode()
    run = SyncRun.objects.get(integration=qbo, trigger=SyncRun.Trigger.SYNC_NOW)
    wait_for(lambda: SyncRun.objects.get(pk=run.pk).finished_at, what="Sync Now")
    page = client.get(reverse("sync:run", args=[run.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" not in page
    assert "Held back, and why" in page
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED and run.counts["held_back"] == 1
    # The reason is in the Sync Log once, by whichever came to it first: this run, or the event
    # drain the cancel queued, running on the worker at the same time.
    held = SyncLogEntry.objects.filter(integration=qbo, outcome="held_back")
    assert list(held.values_list("kind", "object_id")) == [("invoice", cancelled.pk)]


def test_worker_retries_a_rate_limited_integration_after_retry_after(
    both, live_hub, worker, settings
):
    from apps.sandbox.control import fault_inject

    qbo, xero = both
    settings.SYNC_BACKOFF_BASE_SECONDS = 0.5
    fault_inject(company=qbo.remote_company_id, kind="429", count=2)
    invoice = live_hub.invoice()
    wait_for(lambda: Link.objects.filter(kind="invoice", object_id=invoice.pk).count() == 2)
    assert numbers(qbo)[invoice.number] == 1 and numbers(xero)[invoice.number] == 1
    assert SyncLogEntry.objects.filter(integration=qbo, outcome="retrying").exists()
