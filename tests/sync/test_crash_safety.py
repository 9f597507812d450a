"""The nightly export after a crash: resumed by the sweep, nothing created twice, the hub's own
records recognised by a pull, and no command broken by what a crash left behind."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.invoices.models import Invoice
from apps.sandbox.models import SandboxCompany, SandboxRecord
from apps.sandbox.tools.benchmark_data import REMOTE_SHAPE
from apps.sync.export_resume import exports_resume
from apps.sync.models import Change, Link, SyncLogEntry, SyncRun
from apps.sync.nightly_export import nightly_export_run
from apps.sync.nightly_tasks import export_invoices_now
from apps.sync.pull import pull
from tests.sync.test_nightly import export_fixture, run_export_command

# MYOB has no idempotency key: a create whose answer was lost is found by its number.
PROVIDERS = ["quickbooks", "xero", "myob"]


def remote_numbers(integration) -> Counter:
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
    entity, field, *_ = REMOTE_SHAPE[integration.provider]
    rows = SandboxRecord.objects.filter(company=company, entity=entity, deleted=False)
    return Counter(row.data.get(field) for row in rows)


def crash_after_sending(integration) -> None:
    """What a worker killed after its batch was answered and before its links were written
    leaves: the records exist in the integration, the hub has no link and its rows are taken."""
    Link.objects.filter(integration=integration, kind="invoice").delete()
    Change.objects.filter(integration=integration, kind="invoice").update(
        state=Change.State.IN_PROGRESS, claimed_at=timezone.now() - timedelta(hours=1)
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_pull_after_a_crash_links_the_hubs_own_invoices_instead_of_importing_copies(
    sandboxes, provider
):
    integration, _ = export_fixture(provider, invoices=3)
    nightly_export_run(integration=integration)
    crash_after_sending(integration)
    hub_numbers = set(Invoice.objects.values_list("number", flat=True))

    pull(integration)

    assert set(Invoice.objects.values_list("number", flat=True)) == hub_numbers
    links = Link.objects.filter(integration=integration, kind="invoice")
    assert links.count() == 3 and {link.created_by for link in links} == {"hub"}
    # Only the hub's own invoices: a QuickBooks company also holds Intuit's sample invoices.
    entries = SyncLogEntry.objects.filter(
        integration=integration,
        kind="invoice",
        direction="pull",
        remote_id__in=links.values("remote_id"),
    )
    assert entries.count() == 3
    assert all("linked, not imported" in entry.message for entry in entries)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_export_resumed_after_a_crash_creates_nothing_twice(sandboxes, provider):
    integration, _ = export_fixture(provider, invoices=3)
    nightly_export_run(integration=integration)
    crash_after_sending(integration)

    run = nightly_export_run(integration=integration)

    assert run.status == "succeeded" and run.counts["pushed"] == 3
    assert set(remote_numbers(integration).values()) == {1}
    assert Link.objects.filter(integration=integration, kind="invoice").count() == 3


@pytest.mark.parametrize("provider", PROVIDERS)
def test_export_command_reports_a_remote_invoice_linked_to_a_hub_copy_without_crashing(
    sandboxes, provider
):
    integration, _ = export_fixture(provider, invoices=2)
    nightly_export_run(integration=integration)
    crash_after_sending(integration)
    # What an older pull did with such a record: a second hub invoice, linked to it.
    original = Invoice.objects.order_by("pk").first()
    copy = Invoice.objects.create(
        organisation=original.organisation,
        customer=original.customer,
        number=f"{original.number}-QUI",
        issue_date=original.issue_date,
        due_date=original.due_date,
        currency=original.currency,
        status="sent",
    )
    remote_id = _remote_id_of(integration, original.number)
    Link.objects.create(
        integration=integration,
        kind="invoice",
        object_id=copy.pk,
        remote_id=remote_id,
        created_by="remote",
    )

    code, output = run_export_command("--integration", str(integration.pk))

    assert code == 1
    assert f"already linked to another hub invoice (id {copy.pk})" in output
    assert set(remote_numbers(integration).values()) == {1}
    refused = Change.objects.get(integration=integration, object_id=original.pk)
    assert refused.state == "failed" and "Cancel the hub copy" in refused.last_error


def _remote_id_of(integration, number: str) -> str:
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
    for record in SandboxRecord.objects.filter(company=company, deleted=False):
        if number in (record.data.get(f) for f in ("DocNumber", "InvoiceNumber", "Number")):
            return record.record_id
    raise AssertionError(f"{number} is not in the sandbox")


def test_sweep_resumes_an_export_whose_worker_died_within_minutes(sandboxes, settings):
    integration, _ = export_fixture("quickbooks", invoices=3)
    dead = SyncRun.objects.create(integration=integration, trigger="nightly", counts={})
    SyncRun.objects.filter(pk=dead.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.SYNC_CLAIM_TIMEOUT_SECONDS + 60)
    )

    [resumed] = exports_resume()
    export_invoices_now(resumed.pk)

    dead.refresh_from_db()
    resumed.refresh_from_db()
    assert dead.status == "interrupted" and dead.message.startswith("Interrupted")
    assert f"run {resumed.pk}" in dead.message
    assert resumed.status == "succeeded" and resumed.counts["pushed"] == 3
    assert exports_resume() == []


def test_sweep_leaves_a_running_export_whose_worker_is_alive(sandboxes, settings):
    integration, _ = export_fixture("quickbooks", invoices=1)
    live = SyncRun.objects.create(integration=integration, trigger="nightly", counts={})
    SyncRun.objects.filter(pk=live.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.SYNC_CLAIM_TIMEOUT_SECONDS + 60)
    )
    from apps.sync import outbox

    outbox.claim(integration.pk, "drain")  # refreshed after every page by a live export

    assert exports_resume() == []
    live.refresh_from_db()
    assert live.finished_at is None


def test_export_refused_for_a_passing_reason_is_resumed_once_due(sandboxes):
    from apps.sandbox.control import fault_inject

    integration, _ = export_fixture("xero", invoices=2)
    # Long enough to outlast the export's own retries of the invoices' request.
    fault_inject(
        company=integration.remote_company_id, kind="503", count=20, path_contains="Invoices"
    )
    first = nightly_export_run(integration=integration)
    assert first.counts["retrying"] == 2 and first.counts["resume"] == "retry"
    assert exports_resume() == []  # not due yet
    Change.objects.filter(integration=integration).update(next_attempt_at=timezone.now())
    SandboxCompany.objects.get(external_id=integration.remote_company_id).faults.all().delete()

    [resumed] = exports_resume()
    export_invoices_now(resumed.pk)

    resumed.refresh_from_db()
    assert resumed.counts["pushed"] == 2 and resumed.status == "succeeded"
    assert set(remote_numbers(integration).values()) == {1}


@pytest.mark.django_db
def test_an_export_that_crashes_every_time_is_not_resumed_for_ever():
    from tests.sync.test_nightly import make_integration

    integration = make_integration()
    Change.objects.create(integration=integration, kind="invoice", object_id=1)
    crashed = SyncRun.objects.create(
        integration=integration,
        trigger="nightly",
        status="failed",
        finished_at=timezone.now(),
        counts={"resume": "crash", "crash_resumes": 5},
    )

    assert exports_resume() == []
    crashed.refresh_from_db()
    assert crashed.counts["resume"] == "" and crashed.status == "failed"
    assert SyncRun.objects.count() == 1


@pytest.mark.django_db
def test_a_dead_export_with_nothing_left_is_closed_and_not_resumed(settings):
    from tests.sync.test_nightly import make_integration

    integration = make_integration()
    dead = SyncRun.objects.create(integration=integration, trigger="nightly", counts={})
    SyncRun.objects.filter(pk=dead.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.SYNC_CLAIM_TIMEOUT_SECONDS + 1)
    )

    assert exports_resume() == []
    dead.refresh_from_db()
    assert dead.finished_at is not None and dead.message.startswith("Interrupted")
    assert SyncRun.objects.count() == 1


def queued_export(integration, *, waited_timeouts: float, settings) -> SyncRun:
    """An export whose task was sent ``waited_timeouts`` claim timeouts ago and no worker has
    picked up yet (a backlog, or a task lost with the broker)."""
    waited = timedelta(seconds=settings.SYNC_CLAIM_TIMEOUT_SECONDS * waited_timeouts)
    run = SyncRun.objects.create(
        integration=integration, trigger="nightly", counts={"queued": True}
    )
    SyncRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - waited, heartbeat_at=timezone.now() - waited
    )
    return run


@pytest.mark.django_db
def test_an_export_still_waiting_in_a_busy_queue_is_not_called_interrupted(settings):
    from tests.sync.test_nightly import make_integration

    integration = make_integration()
    Change.objects.create(integration=integration, kind="invoice", object_id=1)
    waiting = queued_export(integration, waited_timeouts=2, settings=settings)

    assert exports_resume() == []
    waiting.refresh_from_db()
    assert waiting.finished_at is None and waiting.status == "running"


def test_an_export_whose_queued_task_was_lost_is_resumed_after_the_longer_wait(sandboxes, settings):
    integration, _ = export_fixture("xero", invoices=2)
    lost = queued_export(integration, waited_timeouts=3.5, settings=settings)

    [resumed] = exports_resume()
    export_invoices_now(resumed.pk)
    export_invoices_now(lost.pk)  # the lost task turns up after all: it does nothing

    lost.refresh_from_db()
    resumed.refresh_from_db()
    assert lost.status == "interrupted" and "queued" not in lost.counts
    assert resumed.status == "succeeded" and resumed.counts["pushed"] == 2
    assert "queued" not in resumed.counts
    assert set(remote_numbers(integration).values()) == {1}
