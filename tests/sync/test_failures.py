"""Failures, retries, exactly-once and one drain per integration (docs/sync-rules.md:
"Connecting, disconnecting, reconnecting", "One drain per integration", "Retries and parking",
"Idempotency")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.integrations.contract import AuthExpired, PermanentError, TransientError
from apps.integrations.models import Integration
from apps.invoices.services import invoice_update
from apps.sync import outbox, rules
from apps.sync.models import Change, Link, SyncLogEntry, SyncRun, SyncState
from apps.sync.push import drain
from apps.sync.services import retry_failed, sync_now, sync_run_execute
from tests.sync.conftest import LINE

pytestmark = pytest.mark.django_db


def test_idempotency_key_is_stable_for_a_change_and_fits_qbo_requestid(connect, hub):
    qbo = connect()
    invoice = hub.invoice()
    change = Change.objects.get(integration=qbo, kind="invoice", object_id=invoice.pk)
    key = outbox.idempotency_key(change)
    assert key == outbox.idempotency_key(Change.objects.get(pk=change.pk))
    assert len(key) <= 50
    big = Change(pk=10**12, integration_id=10**9, kind="time_entry", object_id=10**12)
    assert len(outbox.idempotency_key(big)) <= 50


def test_crash_between_remote_create_and_local_commit_never_makes_a_second_copy(
    connect, hub, remotes
):
    qbo = connect()
    invoice = hub.invoice()
    remote = remotes(qbo)
    # A worker took the rows and created the remote invoice, then was SIGKILLed before it
    # could record the link: the rows stay "in progress", the claim goes stale.
    taken = outbox.claim(qbo.pk, "drain")
    changes = {change.kind: change for change in outbox.take_due(qbo.pk)}
    customer_id = remote.push_customer(
        invoice.customer, None, key=outbox.idempotency_key(changes["customer"])
    ).remote_id
    remote.push_invoice(
        invoice,
        None,
        customer_remote_id=customer_id,
        key=outbox.idempotency_key(changes["invoice"]),
    )
    assert taken and remote.count("invoice") == 1
    SyncState.objects.filter(integration=qbo).update(
        drain_claimed_at=timezone.now() - timedelta(hours=1)
    )
    assert drain(qbo).processed
    assert remote.count("invoice") == 1
    assert remote.count("customer") == 1
    assert Link.objects.filter(integration=qbo, kind="invoice", object_id=invoice.pk).exists()


def test_only_one_drain_per_integration_runs_at_a_time(connect, hub, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    hub.invoice()
    token = outbox.claim(qbo.pk, "drain")
    assert drain(qbo).busy
    assert remotes(qbo).calls == []
    # ... while another integration is never kept waiting.
    assert not drain(xero).busy
    assert remotes(xero).count("invoice") == 1
    outbox.release(qbo.pk, "drain", token)
    assert drain(qbo).processed == 2


def test_claim_of_a_killed_worker_expires_and_the_sweep_requeues_its_rows(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    assert outbox.claim(qbo.pk, "drain")
    taken = outbox.take_due(qbo.pk)
    assert {c.state for c in Change.objects.filter(pk__in=[c.pk for c in taken])} == {"in_progress"}
    assert outbox.sweep() == []  # the claim is fresh: slow, not dead
    old = timezone.now() - timedelta(hours=1)
    SyncState.objects.filter(integration=qbo).update(drain_claimed_at=old)
    Change.objects.filter(pk__in=[c.pk for c in taken]).update(claimed_at=old)
    assert outbox.sweep() == [qbo.pk]
    assert set(Change.objects.filter(integration=qbo).values_list("state", flat=True)) == {
        "pending"
    }


def test_requeued_row_absorbs_a_newer_edit_and_keeps_its_idempotency_key(connect, hub):
    qbo = connect()
    invoice = hub.invoice()
    outbox.claim(qbo.pk, "drain")
    first = [c for c in outbox.take_due(qbo.pk) if c.kind == "invoice"][0]
    invoice_update(invoice=invoice, lines=[LINE, LINE])  # a newer edit waits behind it
    assert Change.objects.filter(integration=qbo, kind="invoice").count() == 2
    outbox.requeue_orphans(qbo.pk)
    rows = Change.objects.filter(integration=qbo, kind="invoice")
    assert [row.pk for row in rows] == [first.pk]
    assert rows[0].state == "pending"


def test_transient_error_is_retried_later_honouring_retry_after(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    remotes(qbo).fail["push_customer"].append(
        TransientError("429 Too Many Requests", retry_after=120)
    )
    result = drain(qbo)
    assert result.retry_in >= 120
    change = Change.objects.get(integration=qbo, kind="customer")
    # A rate limit is no try: only the backoff grows.
    assert change.state == "pending" and change.attempts == 0
    assert change.transient_failures == 1
    assert change.next_attempt_at >= timezone.now() + timedelta(seconds=119)
    # Rows behind it wait too, untouched.
    assert Change.objects.get(integration=qbo, kind="invoice", object_id=invoice.pk).state == (
        "pending"
    )
    assert SyncLogEntry.objects.filter(integration=qbo, outcome="retrying").exists()


def test_backoff_grows_and_is_jittered():
    delays = [outbox.backoff_seconds(n) for n in (1, 2, 3, 4)]
    assert delays[0] < delays[3]
    assert len({outbox.backoff_seconds(3) for _ in range(10)}) > 1


def test_expired_access_token_is_refreshed_once_and_the_record_sent(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    remotes(qbo).fail["find_customer"].append(AuthExpired("401 token expired"))
    drain(qbo)
    assert remotes.refreshed == [qbo.pk]
    assert remotes(qbo).count("invoice") == 1


def test_permanent_error_is_parked_with_the_providers_message(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    remotes(qbo).fail["push_invoice"].append(PermanentError("Invalid Number: must be unique"))
    drain(qbo)
    change = Change.objects.get(integration=qbo, kind="invoice", object_id=invoice.pk)
    assert change.state == "failed"
    entry = SyncLogEntry.objects.get(integration=qbo, object_id=invoice.pk, outcome="failed")
    assert entry.message == "Invalid Number: must be unique"


def test_sync_now_retries_failed_records_at_once(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    remotes(qbo).fail["push_invoice"].append(PermanentError("Business validation error"))
    drain(qbo)
    run = sync_run_execute(run=sync_now(integration=qbo))
    assert remotes(qbo).count("invoice") == 1
    assert run.counts["pushed"] >= 1 and run.status == SyncRun.Status.SUCCEEDED


def test_failed_records_are_retried_by_retry_failed(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    remotes(qbo).fail["push_invoice"].append(PermanentError("Business validation error"))
    drain(qbo)
    [run] = retry_failed(integration=qbo)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert not Change.objects.filter(state="failed").exists()


def test_failure_in_one_integration_does_not_block_another(connect, hub, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    hub.invoice()
    remotes(qbo).fail["push_invoice"].append(PermanentError("Refused"))
    drain(qbo), drain(xero)
    assert remotes(xero).count("invoice") == 1
    assert Change.objects.filter(integration=xero, state="failed").count() == 0


def test_disconnected_integration_is_skipped_but_keeps_its_links(connect, hub, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    invoice = hub.invoice()
    drain(qbo), drain(xero)
    Integration.objects.filter(pk=qbo.pk).update(status=Integration.Status.DISCONNECTED)
    qbo.refresh_from_db()
    invoice_update(invoice=invoice, lines=[LINE, LINE])
    drain(qbo), drain(xero)
    assert Link.objects.filter(integration=qbo, object_id=invoice.pk, kind="invoice").exists()
    assert remotes(qbo).calls_of("push_invoice")[-1][2] is None  # only the first create
    assert len(remotes(xero).calls_of("push_invoice")) == 2  # the other kept syncing


def test_reconnected_integration_catches_up_on_records_changed_meanwhile(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    drain(qbo)
    Integration.objects.filter(pk=qbo.pk).update(status=Integration.Status.DISCONNECTED)
    invoice_update(invoice=invoice, lines=[LINE, LINE])
    Integration.objects.filter(pk=qbo.pk).update(status=Integration.Status.CONNECTED)
    qbo.refresh_from_db()
    run = sync_run_execute(run=sync_now(integration=qbo))
    remote = remotes(qbo)
    assert remote.count("invoice") == 1
    remote_id = Link.objects.get(integration=qbo, kind="invoice", object_id=invoice.pk).remote_id
    assert remote.records["invoice"][remote_id]["total"] == "500.00"
    assert run.counts["pushed"] == 1


def test_sync_now_with_nothing_changed_makes_no_request_per_record(connect, hub, remotes):
    qbo = connect()
    for _ in range(5):
        hub.invoice()
    drain(qbo)
    before = len(remotes(qbo).calls)
    run = sync_run_execute(run=sync_now(integration=qbo))
    new_calls = remotes(qbo).calls[before:]
    assert [call[0] for call in new_calls] == ["pull"]
    assert run.counts["pushed"] == 0


def test_sync_now_runs_for_one_integration_only(connect, hub, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    hub.invoice()
    sync_run_execute(run=sync_now(integration=qbo))
    assert remotes(qbo).count("invoice") == 1
    assert remotes(xero).calls == []


def test_dry_run_reports_without_changing_anything(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    draft = hub.invoice(send=False)
    waiting = list(Change.objects.values_list("pk", "state"))
    run = sync_run_execute(run=sync_now(integration=qbo, dry_run=True))
    assert run.counts["pushed"] == 3  # two customers and the sent invoice would go
    assert run.counts["held_back"] == 1
    assert list(run.counts["held_back_reasons"]) == [rules.DRAFT_INVOICE]
    assert list(Change.objects.values_list("pk", "state")) == waiting
    assert not Link.objects.exists()
    assert not SyncLogEntry.objects.exists()
    assert [call[0] for call in remotes(qbo).calls] == ["pull"]
    assert draft.pk


def test_nightly_invoices_wait_for_the_nightly_export_unless_sync_now(connect, hub, remotes):
    qbo = connect(invoice_export_timing=Integration.ExportTiming.NIGHTLY)
    invoice = hub.invoice()
    drain(qbo)
    assert remotes(qbo).count("invoice") == 0
    assert Change.objects.get(kind="invoice", object_id=invoice.pk).state == "pending"
    sync_run_execute(run=sync_now(integration=qbo))
    assert remotes(qbo).count("invoice") == 1


def test_transient_failure_while_a_newer_edit_waits_keeps_one_waiting_row(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    remote = remotes(qbo)

    def edit_then_fail(*args, **kwargs):
        invoice_update(invoice=invoice, lines=[LINE, LINE])  # staff edit while it is being sent
        raise TransientError("503 Service Unavailable")

    remote.push_invoice = edit_then_fail
    drain(qbo)
    [waiting] = Change.objects.filter(integration=qbo, kind="invoice", state="pending")
    assert waiting.transient_failures == 1 and waiting.next_attempt_at is not None


def test_remote_record_deleted_meanwhile_is_reflected_not_crashed_on(connect, remotes):
    from apps.integrations.contract import RemoteChange
    from apps.sync.pull import pull
    from tests.sync.memory import remote_invoice

    qbo = connect()
    remote = remotes(qbo)
    customer = remote.add_customer("Ann Lee", email="ann@example.com")
    document = remote_invoice(customer.remote_id, number="R-1")
    remote.feed += [
        RemoteChange("customer", customer.remote_id, record=customer),
        RemoteChange("invoice", document.remote_id, record=document),
    ]
    pull(qbo)
    remote.feed.append(RemoteChange("invoice", document.remote_id))  # a webhook; gone by now
    pull(qbo)
    from apps.invoices.models import Invoice

    assert Invoice.objects.get(number="R-1").status == "cancelled"


def test_retry_that_took_over_a_newer_edit_sends_the_newer_content_too(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    remote = remotes(qbo)
    outbox.claim(qbo.pk, "drain")
    changes = {change.kind: change for change in outbox.take_due(qbo.pk)}
    customer_id = remote.push_customer(
        invoice.customer, None, key=outbox.idempotency_key(changes["customer"])
    ).remote_id
    remote.push_invoice(  # the first attempt got through, then the worker died ...
        invoice,
        None,
        customer_remote_id=customer_id,
        key=outbox.idempotency_key(changes["invoice"]),
    )
    invoice_update(invoice=invoice, lines=[LINE, LINE])  # ... while staff edited the invoice
    SyncState.objects.filter(integration=qbo).update(
        drain_claimed_at=timezone.now() - timedelta(hours=1)
    )
    drain(qbo)
    [remote_id] = remote.records["invoice"]
    assert remote.records["invoice"][remote_id]["total"] == "500.00"
    assert remote.count("invoice") == 1


def test_sync_now_with_many_waiting_invoices_sends_them_through_the_batch_api(
    connect, hub, remotes
):
    qbo = connect(invoices_sync_to=False, customers_sync_to=False)
    for n in range(25):
        hub.invoice(hub.customer(f"Client {n}", f"client{n}@example.com"))
    qbo.invoices_sync_to = True
    qbo.save()
    run = sync_run_execute(run=sync_now(integration=qbo))
    remote = remotes(qbo)
    assert remote.count("invoice") == 25
    assert sum(call[1] for call in remote.calls_of("push_invoices_batch")) == 25
    assert run.status == SyncRun.Status.SUCCEEDED and run.counts["pushed"] >= 25
    assert run.trigger == SyncRun.Trigger.SYNC_NOW and run.finished_at is not None


def test_refused_token_refresh_leaves_the_records_waiting_for_a_reconnect(
    connect, hub, remotes, monkeypatch
):
    from apps.integrations.contract import ReconnectNeeded

    qbo = connect()
    hub.invoice()
    remotes(qbo).fail["find_customer"].append(AuthExpired("401"))

    def refused(*, integration, rejected_token=None):
        Integration.objects.filter(pk=integration.pk).update(status="needs_reconnect")
        raise ReconnectNeeded("The refresh token was refused: reconnect QuickBooks.")

    monkeypatch.setattr("apps.integrations.registry.token_refresh", refused)
    drain(qbo)
    assert set(Change.objects.filter(integration=qbo).values_list("state", flat=True)) == {
        "pending"
    }
    assert SyncLogEntry.objects.filter(message__contains="reconnect QuickBooks").exists()
