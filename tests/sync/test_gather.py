"""Drains and webhook pulls asked for in quick succession become one task (docs/outbox.md)."""

from __future__ import annotations

import pytest

from apps.integrations.webhooks import _pull as webhook_pulls_asked
from apps.sync import gather
from apps.sync.models import SyncRun
from apps.sync.push import drain
from apps.sync.tasks import drain_integration, pull_integration
from tests.sync.test_push_pages import requests_of


class Queued:
    """The tasks a test's code queued, as (integration, countdown), not run."""

    def __init__(self, monkeypatch, task) -> None:
        self.tasks: list[tuple[int, float]] = []

        def apply_async(args, kwargs=None, countdown=0, **options):
            self.tasks.append((args[0], countdown))

        monkeypatch.setattr(task, "apply_async", apply_async)
        monkeypatch.setattr(task, "delay", lambda pk, **kw: apply_async((pk,), kw))


def test_a_send_asks_for_one_drain_per_integration_a_moment_later(
    connect, hub, monkeypatch, shared_cache, django_capture_on_commit_callbacks
):
    qbo, xero = connect("quickbooks"), connect("xero")
    queued = Queued(monkeypatch, drain_integration)

    with django_capture_on_commit_callbacks(execute=True):
        hub.invoice()  # a new customer saved, an invoice saved, then sent: several commits
    with django_capture_on_commit_callbacks(execute=True):
        hub.invoice()

    assert sorted(queued.tasks) == [(qbo.pk, 0.5), (xero.pk, 0.5)]


def test_a_change_after_the_drain_started_gets_a_drain_of_its_own(
    connect, hub, remotes, monkeypatch, shared_cache, django_capture_on_commit_callbacks
):
    qbo = connect("quickbooks")
    queued = Queued(monkeypatch, drain_integration)
    with django_capture_on_commit_callbacks(execute=True):
        hub.invoice()
    drain_integration(qbo.pk)  # the queued drain runs: it sends what waits, and lets go

    with django_capture_on_commit_callbacks(execute=True):
        hub.invoice(hub.customer(name="Ann Other", email="ann@example.com"))

    assert queued.tasks == [(qbo.pk, 0.5), (qbo.pk, 0.5)]
    assert remotes(qbo).count("invoice") == 1


def test_without_redis_every_request_is_queued_at_once(
    connect, hub, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = ""  # no shared cache: the web and worker processes cannot agree
    qbo = connect("quickbooks")
    queued = Queued(monkeypatch, drain_integration)

    with django_capture_on_commit_callbacks(execute=True):
        hub.invoice()

    assert queued.tasks and all(task == (qbo.pk, 0) for task in queued.tasks)


def test_a_writes_echoes_arriving_together_make_one_pull(connect, monkeypatch, shared_cache):
    xero = connect("xero")
    queued = Queued(monkeypatch, pull_integration)

    for _ in range(4):  # the contact, the invoice, and Xero stamping the contact again
        webhook_pulls_asked([xero.pk])
    assert queued.tasks == [(xero.pk, 1.0)]

    gather.started(gather.WEBHOOK_PULL, xero.pk)  # that pull starts: it reads what waits then
    webhook_pulls_asked([xero.pk])
    assert queued.tasks == [(xero.pk, 1.0), (xero.pk, 1.0)]


def test_a_periodic_pull_leaves_a_queued_webhook_pull_in_place(
    connect, remotes, monkeypatch, shared_cache
):
    xero = connect("xero")
    queued = Queued(monkeypatch, pull_integration)
    webhook_pulls_asked([xero.pk])

    pull_integration(xero.pk, trigger=SyncRun.Trigger.PULL)
    webhook_pulls_asked([xero.pk])

    assert queued.tasks == [(xero.pk, 1.0)]


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_sends_gathered_into_one_drain_goes_to_xero_in_one_put(
    both, live_hub, monkeypatch, shared_cache
):
    queued = Queued(monkeypatch, drain_integration)
    for n in range(20):
        live_hub.invoice(live_hub.customer(name=f"Client {n:02d}", email=f"c{n:02d}@example.com"))
    xero = next(integration for integration in both if integration.provider == "xero")
    before = requests_of(xero).count()

    assert [pk for pk, _ in queued.tasks].count(xero.pk) == 1
    drain(xero)

    made = [f"{r.method} {r.path}" for r in requests_of(xero).order_by("pk")[before:]]
    puts = [path for path in made if path.startswith("PUT") and "Invoices" in path]
    assert len(puts) == 1, made
    assert len(made) <= 5, made  # a new tenant: its contacts, tax rates and accounts read once
