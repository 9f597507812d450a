"""Several staff at once doing quick edit / send / cancel sequences on one organisation while
drains and pulls of both integrations run; then every ledger is checked against the hub: nothing
missing, nothing doubled, states equal.

Short in CI; ``LEDGERLINK_HAMMER_SEQUENCES`` (per thread) makes it longer."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.utils import timezone

from apps.common.lines import LineInput
from apps.invoices.models import Invoice
from apps.invoices.services import invoice_cancel, invoice_create, invoice_send, invoice_update
from apps.sync.fingerprints import fingerprint
from apps.sync.models import Change, Link, SyncRun
from apps.sync.push import drain
from apps.sync.tasks import drain_integration, pull_integration
from tests.sync.test_end_to_end import remote
from tests.sync.test_worker import wait_for, worker  # noqa: F401 — the real-worker fixture

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 3
SEQUENCES = int(os.environ.get("LEDGERLINK_HAMMER_SEQUENCES", "3"))
TOTAL = {"quickbooks": "TotalAmt", "xero": "Total"}
NUMBER = {"quickbooks": "DocNumber", "xero": "InvoiceNumber"}


def _line(rng: random.Random) -> LineInput:
    return LineInput(
        description="Call-out", quantity=Decimal(rng.randint(1, 3)), unit_price=Decimal("95")
    )


def _staff_member(organisation, customer, seed: int, errors: list) -> None:
    """Quick sequences as people make them: draft, perhaps an edit, send at once, sometimes an
    edit of the sent invoice, sometimes a cancellation right after."""
    rng = random.Random(seed)
    try:
        for _ in range(SEQUENCES):
            invoice = invoice_create(
                organisation=organisation,
                lines=[_line(rng)],
                customer=customer,
                issue_date=timezone.localdate(),
                due_date=timezone.localdate() + timedelta(days=14),
            )
            steps = [invoice_send]
            if rng.random() < 0.5:
                steps.insert(0, _edit(rng))
            if rng.random() < 0.4:
                steps.append(_edit(rng))
            if rng.random() < 0.3:
                steps.append(invoice_cancel)
            for step in steps:
                time.sleep(rng.uniform(0, 0.03))
                step(invoice=Invoice.objects.get(pk=invoice.pk))
    except Exception as exc:  # noqa: BLE001 — reported by the test, not lost in a thread
        errors.append(exc)
    finally:
        connection.close()


def _edit(rng: random.Random):
    lines = [_line(rng) for _ in range(rng.randint(1, 2))]

    def edit(*, invoice):
        try:
            invoice_update(invoice=invoice, lines=lines)
        except ValidationError:
            pass  # cancelled meanwhile: staff are told, nothing changes

    return edit


def _engine(task, integration_id: int, stop: threading.Event, errors: list) -> None:
    """What the workers do meanwhile: one task (a drain, a pull) over and over."""
    try:
        while not stop.is_set():
            task(integration_id)
            close_old_connections()
    except Exception as exc:  # noqa: BLE001
        errors.append(exc)
    finally:
        connection.close()


def _settle(integrations) -> None:
    for _ in range(20):
        for integration in integrations:
            drain(integration)
        waiting = Change.objects.filter(state__in=["pending", "in_progress"])
        if not waiting.exists():
            return
        waiting.update(next_attempt_at=None)
        time.sleep(0.2)
    raise AssertionError(f"Still waiting: {list(waiting.values('kind', 'object_id', 'state'))}")


def _voided(provider: str, data: dict) -> bool:
    if provider == "xero":
        return data.get("Status") in ("VOIDED", "DELETED")
    return Decimal(str(data.get("TotalAmt", 0))) == 0 or "Voided" in str(data.get("PrivateNote"))


def assert_ledger_equals_hub(integration, organisation) -> None:
    provider = integration.provider
    remote_invoices = list(remote(integration, "invoice").values_list("record_id", "data"))
    by_number = Counter(data.get(NUMBER[provider]) for _, data in remote_invoices)
    assert not [n for n, times in by_number.items() if times > 1], f"doubled in {provider}"
    by_id = dict(remote_invoices)
    hub = Invoice.objects.filter(organisation=organisation).prefetch_related("lines")
    assert hub.count() == THREADS * SEQUENCES, "the hub made copies of its own invoices"
    for invoice in hub:
        link = Link.objects.filter(integration=integration, kind="invoice", object_id=invoice.pk)
        link = link.first()
        where = f"{invoice.number} ({invoice.status}) in {provider}"
        if invoice.status == Invoice.Status.DRAFT:
            assert link is None and by_number[invoice.number] == 0, where
            continue
        if invoice.status == Invoice.Status.CANCELLED and link is None:
            assert by_number[invoice.number] == 0, where  # cancelled before it went: held back
            continue
        assert link is not None, f"missing: {where}"
        data = by_id[link.remote_id]
        if invoice.status == Invoice.Status.CANCELLED:
            assert _voided(provider, data), where
            continue
        assert not _voided(provider, data), where
        assert Decimal(str(data[TOTAL[provider]])) == invoice.total, where
        assert link.fingerprint == fingerprint("invoice", invoice), f"stale: {where}"
    linked = Link.objects.filter(integration=integration, kind="invoice").count()
    assert len(remote_invoices) == linked, f"a {provider} invoice the hub does not know"


def _staff_at_work(organisation, customers, errors: list) -> list[threading.Thread]:
    staff = [
        threading.Thread(target=_staff_member, args=(organisation, customers[n], n, errors))
        for n in range(THREADS)
    ]
    for thread in staff:
        thread.start()
    return staff


def _assert_every_ledger_equals_the_hub(integrations, organisation) -> None:
    _settle(integrations)
    for integration in integrations:
        assert_ledger_equals_hub(integration, organisation)
    assert not Change.objects.exclude(state__in=["done", "held_back"]).exists()
    assert not SyncRun.objects.filter(finished_at__isnull=True).exists()


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        # SQLite takes one writer at a time: the staff threads would spend the run queued
        # behind each other's write locks instead of racing the drains and pulls.
        pytest.skip("needs PostgreSQL: writers from several threads at once")


def test_quick_edits_sends_and_cancels_from_several_staff_leave_every_ledger_equal_to_the_hub(
    both, live_hub, live_org
):
    _needs_postgresql()
    integrations = list(both)
    customers = [live_hub.customer(f"Client {n}", f"client{n}@example.com") for n in range(THREADS)]
    errors: list = []
    stop = threading.Event()
    engines = [
        threading.Thread(target=_engine, args=(task, integration.pk, stop, errors))
        for task in (drain_integration, pull_integration)
        for integration in integrations
    ]
    for thread in engines:
        thread.start()
    for thread in _staff_at_work(live_org, customers, errors):
        thread.join()
    stop.set()
    for thread in engines:
        thread.join()
    assert not errors, errors
    _assert_every_ledger_equals_the_hub(integrations, live_org)


@pytest.mark.worker
def test_the_same_with_a_real_worker_draining_and_pulling(both, live_hub, live_org, worker):  # noqa: F811
    """The drains are the ones each edit queues on commit, run by a Celery worker on Redis, with
    webhook-like pulls queued all along."""
    _needs_postgresql()
    integrations = list(both)
    customers = [live_hub.customer(f"Client {n}", f"client{n}@example.com") for n in range(THREADS)]
    errors: list = []
    staff = _staff_at_work(live_org, customers, errors)
    while any(thread.is_alive() for thread in staff):
        for integration in integrations:
            pull_integration.delay(integration.pk, "webhook")
        time.sleep(0.5)
    assert not errors, errors
    wait_for(
        lambda: not Change.objects.filter(state__in=["pending", "in_progress"]).exists(),
        timeout=90,
        what="the worker to send every edit",
    )
    # The webhook-like pulls queued until the end may still be running: they end by themselves.
    wait_for(
        lambda: not SyncRun.objects.filter(finished_at__isnull=True).exists(),
        timeout=90,
        what="the worker to end every run",
    )
    _assert_every_ledger_equals_the_hub(integrations, live_org)
