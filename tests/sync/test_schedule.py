"""Beat's periodic tasks live in django-celery-beat's database scheduler; connections and
reconnections are caught up by the next periodic sync; parked records are retried by it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.integrations.contract import PermanentError
from apps.integrations.models import Integration
from apps.invoices.services import invoice_update
from apps.sync import outbox
from apps.sync.models import Change, Link
from apps.sync.push import drain
from apps.sync.schedule import PULL_NAME, SWEEP_NAME, ensure_periodic_tasks
from apps.sync.tasks import PULL_ALL_TASK, SWEEP_TASK, pull_integration
from tests.sync.conftest import LINE

pytestmark = pytest.mark.django_db


def test_sweep_and_pull_are_registered_once_in_the_database_scheduler(settings):
    ensure_periodic_tasks()
    ensure_periodic_tasks()
    sweep, pull = (
        PeriodicTask.objects.get(name=SWEEP_NAME),
        PeriodicTask.objects.get(name=PULL_NAME),
    )
    assert sweep.task == SWEEP_TASK and pull.task == PULL_ALL_TASK
    assert pull.interval.every == settings.SYNC_PULL_INTERVAL_SECONDS
    assert PeriodicTask.objects.filter(name__in=[SWEEP_NAME, PULL_NAME]).count() == 2


def test_a_beat_entry_whose_task_is_gone_is_switched_off_after_migrate_and_others_stay_on():
    ensure_periodic_tasks()
    sweep = PeriodicTask.objects.get(name=SWEEP_NAME)
    PeriodicTask.objects.create(
        name="Removed app: old job", task="removed_app.old_job", interval=sweep.interval
    )
    call_command("migrate", verbosity=0)
    assert not PeriodicTask.objects.get(name="Removed app: old job").enabled
    assert PeriodicTask.objects.get(name=SWEEP_NAME).enabled
    assert PeriodicTask.objects.get(name=PULL_NAME).enabled


def test_an_interval_staff_changed_is_kept_after_migrate():
    ensure_periodic_tasks()
    task = PeriodicTask.objects.get(name=PULL_NAME)
    task.interval.every = 900
    task.interval.save()
    call_command("migrate", verbosity=0)
    assert PeriodicTask.objects.get(name=PULL_NAME).interval.every == 900


def test_new_connection_sends_in_progress_records_on_its_first_sync(connect, hub, remotes):
    sent = hub.invoice()
    xero = connect("xero")  # Sync to is on from the start: nobody turns it on
    pull_integration(xero.pk)
    drain(xero)
    assert Link.objects.filter(integration=xero, kind="invoice", object_id=sent.pk).exists()
    pull_integration(xero.pk)  # once only: the next periodic pull compares nothing
    assert Change.objects.filter(integration=xero, kind="invoice").count() == 1


def test_reconnected_integration_catches_up_on_its_next_periodic_sync(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    drain(qbo)
    pull_integration(qbo.pk)
    Integration.objects.filter(pk=qbo.pk).update(status=Integration.Status.DISCONNECTED)
    invoice_update(invoice=invoice, lines=[LINE, LINE])
    Integration.objects.filter(pk=qbo.pk).update(
        status=Integration.Status.CONNECTED, connected_at=timezone.now()
    )
    pull_integration(qbo.pk)
    drain(qbo)
    remote_id = Link.objects.get(integration=qbo, kind="invoice", object_id=invoice.pk).remote_id
    assert remotes(qbo).records["invoice"][remote_id]["total"] == "500.00"


def test_parked_record_is_retried_by_itself_on_a_later_sync(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    remotes(qbo).fail["push_invoice"].append(PermanentError("Refused for now"))
    drain(qbo)
    parked = Change.objects.get(integration=qbo, kind="invoice")
    assert parked.state == "failed" and parked.next_attempt_at > timezone.now()
    assert outbox.sweep() == []  # not yet
    Change.objects.filter(pk=parked.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert outbox.sweep() == [qbo.pk]
    drain(qbo)
    assert Change.objects.get(pk=parked.pk).state == "done"
    assert remotes(qbo).count("invoice") == 1


def test_a_later_successful_push_settles_an_earlier_failure(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    remotes(qbo).fail["push_invoice"].append(PermanentError("Refused"))
    drain(qbo)
    invoice_update(invoice=invoice, lines=[LINE, LINE])
    drain(qbo)
    assert not Change.objects.filter(integration=qbo, state="failed").exists()


def test_sync_now_that_breaks_unexpectedly_still_ends_so_the_page_stops_polling(
    connect, monkeypatch
):
    from apps.sync.models import SyncRun
    from apps.sync.tasks import sync_now_task

    qbo = connect()
    run = SyncRun.objects.create(integration=qbo, trigger=SyncRun.Trigger.SYNC_NOW)

    def broken(*, run):
        raise RuntimeError("disk full")

    monkeypatch.setattr("apps.sync.services.sync_run_step", broken)
    with pytest.raises(RuntimeError):
        sync_now_task(run.pk)
    run.refresh_from_db()
    assert run.finished_at is not None and run.status == SyncRun.Status.FAILED
    assert "disk full" in run.message
