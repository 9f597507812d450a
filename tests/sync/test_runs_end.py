"""Every sync run ends with its counts: event-driven drains, and runs whose worker died (closed
by the sweep as interrupted, their records sent by the next drain)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from apps.customers.services import customer_update
from apps.integrations.contract import TransientError
from apps.sync import outbox
from apps.sync.models import Change, SyncRun, SyncState
from apps.sync.pull import pull
from apps.sync.push import drain
from apps.sync.runs import run_start, runs_close_interrupted
from apps.sync.tasks import sweep_outbox
from tests.factories import UserFactory
from tests.sync.test_pull import feed

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks_run_inline():
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_event_drain_closes_its_run_with_its_counts(connect, hub, remotes, org, client):
    qbo = connect()
    hub.invoice()
    drain(qbo)
    run = SyncRun.objects.get(integration=qbo, trigger=SyncRun.Trigger.EVENT)
    assert run.status == SyncRun.Status.SUCCEEDED and run.finished_at is not None
    assert run.counts["pushed"] == 2  # the customer, then its invoice
    client.force_login(UserFactory(organisation=org))
    page = client.get(reverse("integrations:index")).content.decode()
    assert "Succeeded" in page and "Running" not in page


def test_drain_paused_by_a_rate_limit_still_closes_its_run(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    refusal = TransientError("429 Too Many Requests", retry_after=30)
    remotes(qbo).fail["push_customer"].append(refusal)
    drain(qbo)
    run = SyncRun.objects.get(integration=qbo, trigger=SyncRun.Trigger.EVENT)
    assert run.finished_at is not None and run.counts["retrying"] == 1
    assert "continues by itself" in run.message


def _worker_dies_mid_drain(integration) -> SyncRun:
    """A drain that took its rows and opened its run, then was SIGKILLed; minutes pass."""
    outbox.claim(integration.pk, "drain")
    run = run_start(integration=integration, trigger=SyncRun.Trigger.EVENT)
    assert outbox.take_due(integration.pk)
    old = timezone.now() - timedelta(hours=1)
    SyncState.objects.filter(integration=integration).update(drain_claimed_at=old)
    Change.objects.filter(integration=integration).update(claimed_at=old)
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=old)
    return run


def test_sweep_closes_the_run_of_a_dead_worker_as_interrupted_and_sends_what_it_left(
    connect, hub, remotes, tasks_run_inline
):
    qbo, xero = connect("quickbooks"), connect("xero")
    hub.invoice()
    dead = _worker_dies_mid_drain(qbo)
    # A slow run of a live worker: no progress saved for a while, but its claim is fresh.
    outbox.claim(xero.pk, "drain")
    slow = run_start(integration=xero, trigger=SyncRun.Trigger.EVENT)
    SyncRun.objects.filter(pk=slow.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    sweep_outbox()
    dead.refresh_from_db(), slow.refresh_from_db()
    assert dead.status == SyncRun.Status.INTERRUPTED and dead.finished_at is not None
    assert "Interrupted" in dead.message
    assert slow.status == SyncRun.Status.RUNNING and slow.finished_at is None
    assert remotes(qbo).count("invoice") == 1  # the sweep's drain sent what the dead one left
    assert not SyncRun.objects.filter(integration=qbo, finished_at__isnull=True).exists()


def test_pull_stopped_by_an_unexpected_error_closes_its_run_as_failed(connect, remotes):
    qbo = connect()
    remote = remotes(qbo)
    feed(remote, remote.add_customer("Jane Marshall", email="jane@example.com"))
    remote.fail["pull_next_page"].append(RuntimeError("connection reset mid-page"))
    with pytest.raises(RuntimeError):
        pull(qbo)
    run = SyncRun.objects.get(integration=qbo, trigger=SyncRun.Trigger.PULL)
    assert run.status == SyncRun.Status.FAILED and run.finished_at is not None
    assert "connection reset mid-page" in run.message and run.counts["pulled"] == 1
    assert not SyncState.objects.get(integration=qbo).pull_token  # the claim is let go too


def test_drain_whose_pushes_are_slow_is_never_taken_for_a_dead_one(connect, hub, remotes):
    """Each push of one batch takes three minutes (a claim lasts five without news): a sweep
    during the third finds the drain alive, so its run goes on and its rows stay its own."""
    qbo = connect()
    client = hub.customer(name="Client", email="client@example.com")
    for _ in range(3):
        hub.quote(client)  # a quote is one request: three requests, three minutes each
    later = timedelta(minutes=3)
    swept = []

    def three_minutes_pass() -> None:
        # What the drain last saved grows three minutes older.
        SyncState.objects.filter(integration=qbo).update(
            drain_claimed_at=F("drain_claimed_at") - later
        )
        SyncRun.objects.filter(integration=qbo).update(heartbeat_at=F("heartbeat_at") - later)
        Change.objects.filter(claimed_at__isnull=False).update(claimed_at=F("claimed_at") - later)

    def three_minutes_pass_and_the_sweep_runs() -> None:
        three_minutes_pass()
        swept.append(runs_close_interrupted(stale_after=outbox.claim_timeout()))
        swept.append(outbox.sweep())

    remotes(qbo).meanwhile["push_quote"] += [
        three_minutes_pass,
        three_minutes_pass,
        three_minutes_pass_and_the_sweep_runs,
    ]
    drain(qbo)
    assert swept == [[], []], "the sweep closed the run or put its rows back"
    run = SyncRun.objects.get(integration=qbo)
    assert run.status == SyncRun.Status.SUCCEEDED and run.counts["pushed"] == 4  # and the client


def test_edit_made_while_a_push_outlasts_the_claim_is_still_sent(connect, hub, remotes):
    """One push takes ten minutes; meanwhile staff change the customer, and the sweep, taking
    the drain for a dead one, puts its row back with the edit in it. When the push returns, that
    row is not marked sent: the edit goes with the next drain."""
    qbo = connect()
    customer = hub.customer(name="Ann Ames", email="ann@example.com")
    later = timedelta(minutes=10)

    def edited_while_ten_minutes_pass_and_the_sweep_runs() -> None:
        customer_update(customer=customer, display_name="Ann Ames-Bell")
        SyncState.objects.filter(integration=qbo).update(
            drain_claimed_at=F("drain_claimed_at") - later
        )
        Change.objects.filter(claimed_at__isnull=False).update(claimed_at=F("claimed_at") - later)
        outbox.sweep()

    remotes(qbo).meanwhile["push_customer"].append(edited_while_ten_minutes_pass_and_the_sweep_runs)
    for _ in range(3):
        drain(qbo)
    [record] = remotes(qbo).records["customer"].values()
    assert record["name"] == "Ann Ames-Bell"
    assert not Change.objects.exclude(state="done").exists()
