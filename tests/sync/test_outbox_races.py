"""The outbox never loses an edit: an invoice saved as a draft and sent a moment later while a
drain runs, and a drain or pull asked for while one runs (coalesced, run right after it)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from apps.integrations import registry
from apps.invoices.services import invoice_send
from apps.sync import outbox
from apps.sync.models import Change, Link, SyncState
from apps.sync.push import Context, drain, push_change
from apps.sync.recorder import record_change
from tests.sync.test_echoes import quickbooks_notifies
from tests.sync.test_end_to_end import numbers, someone_invoices_in_quickbooks

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tasks_run_inline():
    """Celery's own eager mode: a task queued is run at once, in this thread (no worker)."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_invoice_sent_just_after_a_drain_took_its_draft_still_reaches_the_ledger(both, live_hub):
    qbo, xero = both
    invoice = live_hub.invoice(send=False)  # saved as a draft
    token = outbox.claim(qbo.pk, "drain")
    taken = outbox.take_due(qbo.pk)  # the drain has taken the draft's row ...
    invoice_send(invoice=invoice)  # ... when the invoice is sent, 60 ms later
    [row] = [c for c in taken if c.kind == "invoice"]
    waiting = Change.objects.get(integration=qbo, kind="invoice", state="pending")
    assert waiting.pk != row.pk, "the send went into a row the drain had already taken"
    ctx = Context(qbo, registry.adapter_for(qbo), run=None)
    for change in taken:  # the drain reads the record as it is now, and finishes
        push_change(ctx, change)
    outbox.release(qbo.pk, "drain", token)
    drain(qbo), drain(xero)
    assert numbers(qbo)[invoice.number] == 1
    assert numbers(xero)[invoice.number] == 1
    assert Link.objects.filter(kind="invoice", object_id=invoice.pk).count() == 2


def test_drain_never_reads_a_send_that_has_not_committed_yet(both, live_hub):
    """The interleaving seen in production: the send is recorded (merged into the waiting row)
    but not committed when the drain takes rows. On SQLite writers queue behind one another,
    so it can only happen on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: a drain cannot run inside an open send")
    qbo, _ = both
    invoice = live_hub.invoice(send=False)
    recorded, commit = threading.Event(), threading.Event()

    def send_slowly() -> None:
        try:
            with transaction.atomic():
                invoice_send(invoice=invoice)  # merges into the draft's waiting row
                recorded.set()
                commit.wait(timeout=20)
        finally:
            connection.close()

    sender = threading.Thread(target=send_slowly)
    sender.start()
    try:
        assert recorded.wait(timeout=20)
        drain(qbo)  # runs while the send is open: must not read the draft for that row
    finally:
        commit.set()
        sender.join()
    assert numbers(qbo)[invoice.number] == 0
    drain(qbo)  # the drain the send queued on commit
    assert numbers(qbo)[invoice.number] == 1
    assert not Change.objects.filter(integration=qbo, kind="invoice", state="pending").exists()


def test_webhook_pull_asked_for_while_a_pull_runs_is_run_right_after_it(both, tasks_run_inline):
    qbo, _ = both
    running = outbox.claim(qbo.pk, "pull")  # a periodic pull is under way
    _, created = someone_invoices_in_quickbooks(qbo, number="QB-7101")
    quickbooks_notifies(qbo, "Invoice", created["Id"])  # the webhook's pull finds it busy
    assert not numbers_in_hub("QB-7101")
    assert SyncState.objects.get(integration=qbo).pull_again
    outbox.release(qbo.pk, "pull", running)  # the running pull ends ...
    assert numbers_in_hub("QB-7101") == 1  # ... and the webhook's pull runs right after
    assert not SyncState.objects.get(integration=qbo).pull_again


def test_drain_asked_for_while_one_runs_is_run_right_after_it(both, live_hub, tasks_run_inline):
    qbo, xero = both
    running = outbox.claim(qbo.pk, "drain")
    invoice = live_hub.invoice()  # its drain task finds QuickBooks busy
    assert numbers(qbo)[invoice.number] == 0
    assert numbers(xero)[invoice.number] == 1  # never kept waiting by another integration
    outbox.release(qbo.pk, "drain", running)
    assert numbers(qbo)[invoice.number] == 1


@pytest.mark.django_db  # inside the test's transaction: the drain it queues is not sent
def test_claim_refused_only_asks_again_while_the_claim_is_held(connect):
    qbo = connect()
    token = outbox.claim(qbo.pk, "drain")
    assert outbox.claim(qbo.pk, "drain") is None
    assert outbox.release(qbo.pk, "drain", token) is True  # asked again: one more is queued
    again = outbox.claim(qbo.pk, "drain")
    assert again and outbox.release(qbo.pk, "drain", again) is False


def numbers_in_hub(number: str) -> int:
    from apps.invoices.models import Invoice

    return Invoice.objects.filter(number=number).count()


def test_two_saves_recording_the_same_two_records_in_opposite_order_both_commit(connect, hub):
    """One save records customer A then B while another records B then A. On PostgreSQL each
    holds the waiting row it wrote until it commits: taken in opposite order, that would be a
    deadlock, and one of the saves would fail."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: two saves never hold rows at once")
    qbo = connect()
    first, second = hub.customer(name="Ann Ames"), hub.customer(name="Bob Bell")
    Change.objects.all().delete()
    first_recorded, second_blocked = threading.Event(), threading.Event()
    second_pid: list[int] = []
    errors: list[Exception] = []

    def record(*customers) -> None:
        for customer in customers:
            record_change(
                organisation_id=qbo.organisation_id, kind="customer", object_id=customer.pk
            )

    def save(steps) -> None:
        try:
            steps()
        except Exception as exc:  # noqa: BLE001 — reported to the test, which asserts
            errors.append(exc)
        finally:
            connection.close()

    def a_then_b() -> None:
        with transaction.atomic():
            record(first)
            first_recorded.set()
            assert second_blocked.wait(timeout=20)
            record(second)

    def b_then_a() -> None:
        second_pid.append(_backend_pid())
        with transaction.atomic():
            record(second, first)

    one = threading.Thread(target=save, args=(a_then_b,))
    one.start()
    assert first_recorded.wait(timeout=20)
    other = threading.Thread(target=save, args=(b_then_a,))
    other.start()
    _wait_until_blocked(second_pid)  # the second save waits for what the first holds
    second_blocked.set()
    one.join(timeout=30), other.join(timeout=30)
    assert not errors, errors
    for customer in (first, second):
        assert Change.objects.filter(kind="customer", object_id=customer.pk).count() == 1


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _wait_until_blocked(pids: list[int], timeout: float = 20) -> None:
    """Until the connection whose id ``pids`` will hold waits for a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            if pids:
                cursor.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
                    [pids[0]],
                )
                if cursor.fetchone():
                    return
            time.sleep(0.02)
    raise AssertionError("the second save never waited for the first")


def _after_the_look(monkeypatch, then):
    """Run ``then`` right after the recorder has looked at a record's rows, before it writes."""
    from apps.sync import recorder

    look = recorder._waiting_and_parked

    def look_then(rows, integration_ids):
        found = look(rows, integration_ids)
        then()
        return found

    monkeypatch.setattr(recorder, "_waiting_and_parked", look_then)


def test_an_edit_whose_waiting_row_a_drain_takes_meanwhile_waits_in_a_new_row(
    connect, hub, monkeypatch
):
    qbo, xero = connect("quickbooks"), connect("xero")
    customer = hub.customer()  # waiting for both
    taken = Change.objects.get(integration=qbo, kind="customer", object_id=customer.pk)
    # The drain takes QuickBooks' row between the recorder's look and its merge.
    _after_the_look(
        monkeypatch, lambda: Change.objects.filter(pk=taken.pk).update(state="in_progress")
    )

    record_change(organisation_id=customer.organisation_id, kind="customer", object_id=customer.pk)

    rows = Change.objects.filter(kind="customer", object_id=customer.pk)
    assert rows.filter(integration=qbo, state="pending").exclude(pk=taken.pk).count() == 1
    assert rows.filter(integration=xero, state="pending").count() == 1
    assert rows.count() == 3


def test_an_edit_racing_another_for_a_new_row_merges_into_the_one_that_won(
    connect, hub, monkeypatch
):
    qbo, xero = connect("quickbooks"), connect("xero")
    customer = hub.customer()
    Change.objects.filter(kind="customer", object_id=customer.pk).update(state="done")
    # Another save inserts QuickBooks' waiting row between this one's look and its insert.
    _after_the_look(
        monkeypatch,
        lambda: Change.objects.create(integration=qbo, kind="customer", object_id=customer.pk),
    )

    record_change(organisation_id=customer.organisation_id, kind="customer", object_id=customer.pk)

    pending = Change.objects.filter(kind="customer", object_id=customer.pk, state="pending")
    assert sorted(pending.values_list("integration_id", flat=True)) == sorted([qbo.pk, xero.pk])


def test_an_edit_of_a_record_that_failed_revives_its_parked_row(connect, hub):
    qbo, xero = connect("quickbooks"), connect("xero")
    customer = hub.customer()
    parked = Change.objects.get(integration=qbo, kind="customer", object_id=customer.pk)
    Change.objects.filter(pk=parked.pk).update(state="failed", last_error="Refused.")
    Change.objects.filter(integration=xero).update(state="done")

    record_change(organisation_id=customer.organisation_id, kind="customer", object_id=customer.pk)

    parked.refresh_from_db()
    assert parked.state == "pending"
    assert Change.objects.filter(integration=qbo, kind="customer").count() == 1
    assert Change.objects.filter(integration=xero, state="pending").count() == 1
