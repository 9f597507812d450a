"""Drains and webhook pulls asked for in quick succession become one task (docs/outbox.md)."""

from __future__ import annotations

import pytest

from apps.integrations.webhooks import _pull as webhook_pulls_asked
from apps.invoices.services import invoice_send
from apps.sync import gather, outbox
from apps.sync.models import SyncRun
from apps.sync.push import drain
from apps.sync.tasks import drain_integration, pull_integration
from tests.sync.test_push_pages import requests_of


class Queued:
    """The tasks a test's code queued, as (integration, countdown), not run."""

    def __init__(self, monkeypatch, task) -> None:
        self.tasks: list[tuple[int, float]] = []
        self.ids: list[str | None] = []

        def apply_async(args, kwargs=None, countdown=0, **options):
            self.tasks.append((args[0], countdown))
            self.ids.append(options.get("task_id"))

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


class Clock:
    """The time the gathering window reads, moved by the test."""

    def __init__(self, monkeypatch) -> None:
        self.now = 1000.0
        monkeypatch.setattr(gather, "clock", lambda: self.now)

    def at(self, seconds: float) -> None:
        self.now = 1000.0 + seconds


def run_queued(queued: Queued, clock: Clock, started_at: float) -> int:
    """The last task queued starts at ``started_at`` s; returns how many tasks were queued."""
    clock.at(started_at)
    drain_integration.apply((queued.tasks[-1][0],), task_id=queued.ids[-1])
    return len(queued.tasks)


def test_a_sends_three_commits_0_3_s_apart_make_one_drain(
    connect, hub, remotes, monkeypatch, shared_cache, django_capture_on_commit_callbacks
):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        customer = hub.customer(name="Ann Other", email="ann@example.com")  # commit 1, at 0 s
    clock.at(0.3)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = hub.invoice(customer, send=False)  # commit 2
    run_queued(queued, clock, 0.5)  # the last change came 0.2 s ago: it waits, reading nothing
    clock.at(0.6)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_send(invoice=invoice)  # commit 3: served by the drain waiting
    run_queued(queued, clock, 0.8)  # waits again
    assert remotes(qbo).count("invoice") == 0

    assert run_queued(queued, clock, 1.1) == 3  # quiet for the window: it drains, once
    assert queued.tasks == [(qbo.pk, 0.5)] + [(qbo.pk, pytest.approx(0.3))] * 2
    assert remotes(qbo).count("invoice") == 1


def test_a_burst_gathered_by_one_drain_goes_in_its_first_page_not_two_rows_at_a_time(
    connect, hub, remotes, monkeypatch, shared_cache, django_capture_on_commit_callbacks
):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    for n in range(6):  # six sends with new customers, 0.1 s apart
        clock.at(n * 0.1)
        with django_capture_on_commit_callbacks(execute=True):
            hub.invoice(hub.customer(name=f"Client {n}", email=f"client{n}@example.com"))

    assert run_queued(queued, clock, 1.1) == 1  # quiet: it went, and queued no next page
    assert remotes(qbo).count("invoice") == 6
    assert remotes(qbo).count("customer") == 6


def test_requests_made_after_a_drains_window_do_not_grow_its_first_page(
    connect, monkeypatch, shared_cache
):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    gather.drain_soon([qbo.pk])
    clock.at(0.2)
    gather.drain_soon([qbo.pk])
    clock.at(60.0)  # the drain waited in a busy queue meanwhile: these came after its window
    for _ in range(40):
        gather.drain_soon([qbo.pk])
    clock.at(61.0)  # quiet since

    decision = gather.hold(drain_integration, qbo.pk, queued.ids[-1])
    assert not decision
    assert decision.gathered == 2
    assert gather.page_rows(qbo.pk, 120, gathered=decision.gathered) == 2


def test_a_gathered_drain_that_finds_the_integration_busy_hands_its_rows_to_the_next_page(
    connect, monkeypatch, shared_cache
):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    for k in range(10):
        clock.at(k * 0.1)
        gather.drain_soon([qbo.pk])
    outbox.claim(qbo.pk, "drain")  # another worker process is sending a page

    run_queued(queued, clock, 1.5)

    assert gather.page_rows(qbo.pk, 120) == 10  # the page that serves them takes what came
    assert gather.page_rows(qbo.pk, 120) == gather.FIRST_PAGE_ROWS  # once


def test_a_bursts_drain_goes_as_soon_as_a_full_page_waits(
    connect, hub, remotes, monkeypatch, shared_cache, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("apps.sync.push.page_size", lambda integration: 4)
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    for n, at in enumerate((0.0, 0.3)):  # two sends with new customers: four rows
        clock.at(at)
        with django_capture_on_commit_callbacks(execute=True):
            hub.invoice(hub.customer(name=f"Client {n}", email=f"client{n}@example.com"))

    # Changes came 0.3 s ago, so it would wait; a full page waits already, so it goes.
    assert run_queued(queued, clock, 0.6) == 1
    assert remotes(qbo).count("invoice") == 2


def test_a_pages_follow_up_gathers_while_staff_keep_sending(connect, monkeypatch, shared_cache):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    assert gather.queue_next(drain_integration, gather.DRAIN, qbo.pk)  # a page's next page
    clock.at(0.1)
    gather.drain_soon([qbo.pk])  # a save meanwhile: served by that next page

    clock.at(0.2)
    assert gather.hold(drain_integration, qbo.pk, queued.ids[-1], rows_due=lambda: 0)
    assert len(queued.tasks) == 2  # queued again, to start one window after the save


def test_a_quiet_backlogs_next_page_goes_at_once(connect, monkeypatch, shared_cache):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    gather.drain_soon([qbo.pk])
    clock.at(5.0)  # the first page went; nobody has saved since
    gather.started(gather.DRAIN, qbo.pk, queued.ids[-1])
    assert gather.queue_next(drain_integration, gather.DRAIN, qbo.pk)

    assert not gather.hold(drain_integration, qbo.pk, queued.ids[-1], rows_due=lambda: 0)


def test_staff_saving_steadily_past_the_maximum_get_a_backlogs_small_first_page(
    connect, monkeypatch, shared_cache
):
    """Twenty organisations whose staff keep saving: each first page stays small, so every
    organisation's first sends go out in the worker's first round."""
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    for step in range(26):  # a save every 0.2 s for 5 s
        clock.at(step * 0.2)
        gather.drain_soon([qbo.pk])

    decision = gather.hold(drain_integration, qbo.pk, queued.ids[-1], rows_due=lambda: 0)
    assert not decision
    assert gather.page_rows(qbo.pk, 120, gathered=decision.gathered) == gather.FIRST_PAGE_ROWS


def test_a_steady_stream_that_will_not_fill_a_page_goes_after_two_windows(
    connect, monkeypatch, shared_cache
):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    for step in range(4):  # a save every 0.3 s: 4 requests a second, far from 120 rows by 5 s
        clock.at(step * 0.3)
        gather.drain_soon([qbo.pk])

    assert run_queued(queued, clock, 1.0) == 1  # it went, without queueing itself again


def test_a_burst_on_its_way_to_a_full_page_keeps_gathering(connect, monkeypatch, shared_cache):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    for step in range(60):  # 60 requests a second: a full page (240 rows) within the maximum
        clock.at(step / 60)
        gather.drain_soon([qbo.pk])

    assert run_queued(queued, clock, 1.0) == 2  # queued itself again to gather more


def test_a_drain_that_fails_before_it_starts_leaves_no_mark_behind(
    connect, monkeypatch, shared_cache
):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    gather.drain_soon([qbo.pk])

    def broken(integration):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("apps.sync.push.page_size", broken)
    run_queued(queued, clock, 0.5)  # the task fails (Celery records the error)

    gather.drain_soon([qbo.pk])  # the next save still gets a drain
    assert len(queued.tasks) == 2


def test_a_burst_beyond_the_max_window_drains_at_the_max(connect, monkeypatch, shared_cache):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    drains_at, due = [], None
    for step in range(101):  # 10 s in steps of 0.1 s, a change every 0.2 s for 8 s
        at = round(step * 0.1, 1)
        clock.at(at)
        if due is not None and at >= due - 1e-6:  # the queued drain starts
            if gather.hold(drain_integration, qbo.pk, queued.ids[-1]):
                due = at + queued.tasks[-1][1]
            else:
                drains_at.append(at)
                gather.started(gather.DRAIN, qbo.pk, queued.ids[-1])
                due = None
        if step % 2 == 0 and at < 8:
            gather.drain_soon([qbo.pk])
            if due is None:
                due = at + queued.tasks[-1][1]

    # 5 s (the maximum) after the first change, and the last one window after the burst ended.
    assert drains_at == [5.0, 8.3]


def test_a_lone_send_drains_after_the_base_window(
    connect, hub, remotes, monkeypatch, shared_cache, django_capture_on_commit_callbacks
):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        hub.invoice()  # its commits at once

    assert run_queued(queued, clock, 0.5) == 1  # it went, without queueing itself again
    assert remotes(qbo).count("invoice") == 1


def test_a_drain_left_by_a_lost_task_is_not_held(connect, monkeypatch, shared_cache):
    """The sweep's drain (no mark of its own) goes at once, even while changes arrive."""
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    gather.drain_soon([qbo.pk])
    clock.at(0.4)
    gather.drain_soon([qbo.pk])

    assert not gather.hold(drain_integration, qbo.pk, "the-sweeps-drain")
    assert gather.hold(drain_integration, qbo.pk, queued.ids[-1])  # the queued one still waits


def test_without_redis_a_drain_is_never_held(connect, monkeypatch, settings):
    settings.REDIS_URL = ""
    qbo = connect("quickbooks")
    queued = Queued(monkeypatch, drain_integration)
    gather.drain_soon([qbo.pk])

    assert not gather.hold(drain_integration, qbo.pk, queued.ids[-1])


def test_a_burst_on_its_way_to_a_full_page_looks_again_when_one_is_about_due(
    connect, monkeypatch, shared_cache
):
    """Each look is a task: a burst filling a page in two seconds is not looked at every
    window until then."""
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    for step in range(61):  # 60 requests a second for a second
        clock.at(step / 60)
        gather.drain_soon([qbo.pk])

    # 80 of 240 rows due after a second: at that pace the page is full 2 s later.
    assert gather.hold(drain_integration, qbo.pk, queued.ids[-1], rows_due=lambda: 80, page=240)
    assert queued.tasks[-1][1] == pytest.approx(2.0)

    for step in range(61, 181):  # the burst goes on: 240 rows due by 3 s
        clock.at(step / 60)
        gather.drain_soon([qbo.pk])
    decision = gather.hold(
        drain_integration, qbo.pk, queued.ids[-1], rows_due=lambda: 240, page=240
    )
    assert not decision
    assert decision.gathered == 240


def test_changes_that_will_not_fill_a_page_by_the_maximum_are_looked_at_every_window(
    connect, monkeypatch, shared_cache
):
    """A send's own commits, or requests that make few rows, never wait for a page that the
    maximum will not bring."""
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    for step in range(41):
        clock.at(step * 0.025)
        gather.drain_soon([qbo.pk])

    # 2 of 120 rows after a second: at that pace the page is full after a minute.
    assert gather.hold(drain_integration, qbo.pk, queued.ids[-1], rows_due=lambda: 2, page=120)
    assert queued.tasks[-1][1] == pytest.approx(0.5)


def _burst_held_to_the_maximum(monkeypatch, qbo, per_second: int):
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    for step in range(5 * per_second + 1):  # requests for the whole maximum (5 s)
        clock.at(step / per_second)
        gather.drain_soon([qbo.pk])
    return queued


@pytest.mark.parametrize(("rows", "page"), [(150, 150), (30, gather.FIRST_PAGE_ROWS)])
def test_a_burst_short_of_a_full_page_at_the_maximum_goes_with_its_rows_when_they_fill_batches(
    connect, monkeypatch, shared_cache, rows, page
):
    """QuickBooks takes 40 batches a minute: a burst's rows go in one page of whole batches
    (30 customers and 30 invoices at least), not in pages of a few rows, two part-filled
    batches each. Fewer rows than that are a stream's: a backlog's small first page."""
    qbo = connect("quickbooks")
    queued = _burst_held_to_the_maximum(monkeypatch, qbo, 10)

    decision = gather.hold(
        drain_integration, qbo.pk, queued.ids[-1], rows_due=lambda: rows, page=240, whole=60
    )
    assert not decision
    assert gather.page_rows(qbo.pk, 240, gathered=decision.gathered) == page


def test_a_stream_that_will_fill_a_batch_of_each_kind_by_the_maximum_keeps_gathering(
    connect, monkeypatch, shared_cache
):
    qbo = connect("quickbooks")
    queued, clock = Queued(monkeypatch, drain_integration), Clock(monkeypatch)
    for step in range(20):  # 20 requests a second: no full page (240) by 5 s, but 60 rows
        clock.at(step / 20)
        gather.drain_soon([qbo.pk])

    clock.at(1.0)
    held = gather.hold(
        drain_integration, qbo.pk, queued.ids[-1], rows_due=lambda: 20, page=240, whole=60
    )
    assert held


def test_the_page_after_a_limits_wait_takes_what_piled_up_in_one_page(
    connect, monkeypatch, shared_cache
):
    """Pages of 2, 4, 8 … rows after the wait would each cost QuickBooks two part-filled
    batches of its 40 a minute, the ones a burst's last sends then wait a minute for."""
    qbo = connect("quickbooks")
    queued = Queued(monkeypatch, drain_integration)

    def waits_out_the_limit(integration, *, result, size, **options):
        result.retry_in = 12.0
        return result

    monkeypatch.setattr("apps.sync.push.push_page", waits_out_the_limit)
    drain_integration.apply((qbo.pk,))

    assert queued.tasks[-1][1] == 12.0  # the next page, after the wait
    assert gather.page_rows(qbo.pk, 240) == 240
