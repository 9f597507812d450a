"""Polling that scales: integrations that get webhooks and whose pulls find nothing are polled
less often, and at the base interval again after a change or a staff action; a pull the hub's
own limiter holds back stops without failing and comes back when told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from apps.customers.models import Customer
from apps.integrations.contract import RemoteChange, Throttled
from apps.integrations.models import WebhookEvent
from apps.sync.models import SyncLogEntry, SyncRun, SyncState
from apps.sync.pull import pulled_kinds
from apps.sync.schedule import pulls_due
from apps.sync.tasks import pull_integration

pytestmark = pytest.mark.django_db

BASE = 300


@pytest.fixture(autouse=True)
def intervals(settings):
    settings.SYNC_PULL_INTERVAL_SECONDS = BASE
    settings.SYNC_PULL_MAX_INTERVAL_SECONDS = 3600


def pulled_ago(integration, minutes: float) -> None:
    SyncState.objects.update_or_create(
        integration=integration,
        defaults={"last_pull_at": timezone.now() - timedelta(minutes=minutes)},
    )


def gets_webhooks(integration) -> None:
    WebhookEvent.objects.create(
        provider=integration.provider,
        event_id=f"event-{integration.pk}",
        integration=integration,
        payload={},
        processed_at=timezone.now(),
    )


def run_ago(integration, minutes: float, *, trigger="pull", pulled=0) -> None:
    run = SyncRun.objects.create(
        integration=integration, trigger=trigger, counts={"pulled": pulled}
    )
    SyncRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=minutes))


def test_an_idle_integration_with_webhooks_is_polled_less_often_up_to_the_cap(connect):
    quiet = connect("xero")
    gets_webhooks(quiet)
    run_ago(quiet, 40, pulled=3)  # the last change came 40 minutes ago: polled every 20

    pulled_ago(quiet, 6)
    assert pulls_due([quiet.pk]) == []
    pulled_ago(quiet, 18)  # the next tick would be past 20 minutes
    assert pulls_due([quiet.pk]) == [quiet.pk]

    # Nothing for days, not even a webhook: every hour (the cap), not back to the base.
    SyncRun.objects.all().delete()
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(days=3))
    pulled_ago(quiet, 50)
    assert pulls_due([quiet.pk]) == []
    pulled_ago(quiet, 58)
    assert pulls_due([quiet.pk]) == [quiet.pk]


def test_without_webhooks_an_idle_integration_keeps_the_base_interval(connect):
    polled_only = connect("xero")
    run_ago(polled_only, 90, pulled=0)
    pulled_ago(polled_only, 5)
    assert pulls_due([polled_only.pk]) == [polled_only.pk]


@pytest.mark.parametrize(
    "activity",
    [
        {"trigger": "webhook", "pulled": 2},  # a pull brought changes
        {"trigger": "sync_now"},  # staff pressed Sync Now
        {"trigger": "event"},  # staff changed something the hub sent
    ],
)
def test_a_change_or_a_staff_action_brings_the_base_interval_back(connect, activity):
    integration = connect("quickbooks")
    gets_webhooks(integration)
    run_ago(integration, 120, pulled=0)
    pulled_ago(integration, 6)
    assert pulls_due([integration.pk]) == []

    run_ago(integration, 1, **activity)
    assert pulls_due([integration.pk]) == [integration.pk]


def test_a_never_pulled_integration_is_due_at_once(connect):
    new = connect("xero")
    gets_webhooks(new)
    assert pulls_due([new.pk]) == [new.pk]


def test_a_throttled_pull_keeps_what_it_applied_and_is_rescheduled_when_told(
    connect, remotes, monkeypatch
):
    qbo = connect()
    remote = remotes(qbo)
    customer = remote.add_customer("Ada Lane", "ada@example.com")
    remote.feed.append(RemoteChange("customer", customer.remote_id, record=customer))
    # The hub's own limiter says wait, after the first page was applied.
    remote.fail["pull_next_page"] = [Throttled("QuickBooks' limit is used up.", retry_after=17)]
    asked: dict = {}

    def retry(**kwargs):
        asked.update(kwargs)
        return Retry()

    monkeypatch.setattr(pull_integration, "retry", retry)
    with pytest.raises(Retry):
        pull_integration(qbo.pk)

    assert asked == {"countdown": 17}
    assert Customer.objects.filter(email="ada@example.com").exists()
    run = SyncRun.objects.get(integration=qbo)
    assert run.status == SyncRun.Status.SUCCEEDED and run.message == ""
    assert not SyncLogEntry.objects.filter(outcome=SyncLogEntry.Outcome.FAILED).exists()
    assert SyncState.objects.get(integration=qbo).watermark  # the first page's, kept


def test_a_sync_now_whose_pull_is_throttled_succeeds_and_pulls_again_when_told(
    connect, remotes, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.sync.services import sync_run_execute

    qbo = connect()
    remotes(qbo).fail["pull"] = [Throttled("QuickBooks' limit is used up.", retry_after=9)]
    later: list = []
    monkeypatch.setattr(
        pull_integration, "apply_async", lambda args, countdown: later.append((args, countdown))
    )
    run = SyncRun.objects.create(integration=qbo, trigger=SyncRun.Trigger.SYNC_NOW)

    with django_capture_on_commit_callbacks(execute=True):
        sync_run_execute(run=run)

    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED and run.message == ""
    assert later == [((qbo.pk,), 9)]


def test_beats_periodic_pull_queues_only_the_due_integrations_spread_over_the_tick(
    connect, monkeypatch
):
    from apps.sync.tasks import pull_all

    due, quiet = connect("quickbooks"), connect("xero")
    assert pulled_kinds(quiet)  # left out for being quiet, not for pulling nothing
    gets_webhooks(quiet)
    pulled_ago(quiet, 6)
    pulled_ago(due, 5)
    queued: list = []
    monkeypatch.setattr(
        pull_integration, "apply_async", lambda args, countdown: queued.append((args, countdown))
    )

    pull_all()

    assert [args for args, _ in queued] == [(due.pk,)]
    assert all(0 <= countdown < BASE for _, countdown in queued)
