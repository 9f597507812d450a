"""A Sync Now with nothing changed costs each ledger its floor (QuickBooks 1 request, Xero 3,
MYOB 9), and a credit note or refund made in Xero still reaches the hub: through its webhook, or
through the next pull that has reason to read credit notes (docs/pulls.md, "Credit notes").
Real adapters against the sandboxes over HTTP; requests counted in the sandboxes' request log."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.integrations.xero.client import XeroClient
from apps.invoices.models import CreditNote
from apps.sandbox.control import requests_count
from apps.sync.models import Link
from apps.sync.pull import pull
from apps.sync.services import sync_now, sync_run_execute
from tests.sync.conftest import Hub
from tests.sync.test_credit_notes_xero import (
    credit_in_xero,
    sent_invoice,
    unallocated_credit_note,
)
from tests.sync.test_echoes import Notifications
from tests.sync.test_end_to_end import drain_until_done

pytestmark = pytest.mark.django_db(transaction=True)

QUIET_SYNC_NOW = {"quickbooks": 1, "xero": 3, "myob": 9}


def requests_made(integration) -> int:
    return requests_count(integration.remote_company_id)


@pytest.fixture
def xero(sandboxes, live_org, monkeypatch):
    """A Xero tenant whose webhooks never reach the hub: only polling brings its changes."""
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    monkeypatch.setattr("apps.sandbox.webhooks.notify", lambda *args, **kwargs: None)
    return sandbox_integration_connect(organisation=live_org, provider="xero", nightly=False)


def test_a_quiet_sync_now_costs_quickbooks_1_xero_3_myob_9_requests(three):
    org, integrations = three
    hub = Hub(org)
    for n in range(3):
        hub.invoice(hub.customer(f"Client {n}", f"client{n}@example.com"))
    for integration in integrations:
        drain_until_done(integration)  # the export, then the Sync Now that reads it back
        sync_run_execute(run=sync_now(integration=integration))
        before = requests_made(integration)
        run = sync_run_execute(run=sync_now(integration=integration))
        made = requests_made(integration) - before
        assert made == QUIET_SYNC_NOW[integration.provider], integration.provider
        assert run.counts["pushed"] == 0 and run.status == "succeeded"


def test_a_credit_note_allocated_in_xero_reaches_the_hub_with_the_next_poll(xero, live_org):
    invoice = sent_invoice(live_org, xero)
    pull(xero)
    before = requests_made(xero)
    pull(xero)
    assert requests_made(xero) - before == 3  # contacts, quotes, invoices

    made = credit_in_xero(xero, invoice, "20.00")  # its allocation moves the invoice
    pull(xero)

    note = CreditNote.objects.get(invoice=invoice)
    assert note.total == note.amount_allocated == Decimal(str(made["Total"]))


def refunded_in_xero(integration, note) -> None:
    remote = Link.objects.get(integration=integration, kind="credit_note", object_id=note.pk)
    XeroClient(integration).create(
        "Payments",
        {
            "CreditNote": {"CreditNoteID": remote.remote_id},
            "Account": {"Code": "090"},
            "Date": timezone.localdate().isoformat(),
            "Amount": "10.00",
        },
        key=f"xero-user-refund-{note.pk}",
    )


def test_a_refund_in_xero_without_webhooks_arrives_when_credit_notes_are_next_read(
    xero, live_org, monkeypatch
):
    note = unallocated_credit_note(xero, live_org)
    refunded_in_xero(xero, note)
    before = requests_made(xero)

    pull(xero)  # within the hour, nothing says a credit note moved: the quiet pull's 3
    assert requests_made(xero) - before == 3
    assert not note.refunds.exists()

    monkeypatch.setattr("apps.integrations.xero.limits.CREDIT_NOTES_READ_AT_LEAST_EVERY_SECONDS", 0)
    pull(xero)  # the hour is over: credit notes, then the refunds of the one that moved
    assert [r.amount for r in note.refunds.all()] == [Decimal("10.00")]


def test_a_refund_in_xero_arrives_with_the_pull_its_credit_notes_webhook_asks_for_alone(
    sandboxes, live_org, monkeypatch
):
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    made = Notifications()
    monkeypatch.setattr("apps.sandbox.webhooks.notify", made.notify)
    monkeypatch.setattr("apps.sync.receivers.webhook_pulls", lambda *args, **kwargs: None)
    xero = sandbox_integration_connect(organisation=live_org, provider="xero", nightly=False)
    note = unallocated_credit_note(xero, live_org)
    made.made = []
    refunded_in_xero(xero, note)
    assert {p["events"][0]["eventCategory"] for _, p in made.made} == {"CREDITNOTE"}

    made.deliver()
    pull(xero, trigger="webhook")

    assert [r.amount for r in note.refunds.all()] == [Decimal("10.00")]
    # A tenant whose webhooks arrive is not read hourly for what they announce: the quiet 3.
    monkeypatch.setattr("apps.integrations.xero.limits.CREDIT_NOTES_READ_AT_LEAST_EVERY_SECONDS", 0)
    before = requests_made(xero)
    pull(xero)
    assert requests_made(xero) - before == 3


def test_the_xero_watermark_with_every_kind_and_when_credit_notes_were_read_is_kept_whole():
    from datetime import UTC, datetime

    from apps.integrations.xero import adapter, mapping
    from apps.sync.models import SyncState

    far = datetime(2286, 1, 1, tzinfo=UTC)
    every = dict.fromkeys([*mapping.COLLECTION, adapter.CREDIT_NOTES_READ], far)
    text = adapter._watermark_text(every)
    assert len(text) <= SyncState._meta.get_field("watermark").max_length
    assert adapter._watermarks(text) == every
