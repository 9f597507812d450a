"""The providers' limits as every process of the hub shares them: counted before a request is
sent, refused with the time to wait, concurrency slots that come back when a worker dies, and a
provider's "wait" honoured by every process. Against Redis when REDIS_URL is set, and in the
process on the embedded defaults."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
import uuid

import pytest
from limits.storage import MemoryStorage

from apps.integrations import limiter as limiter_module
from apps.integrations.contract import Throttled, TransientError
from apps.integrations.limiter import (
    Budget,
    Call,
    Limiter,
    Window,
    admitted,
    in_worker_task,
    shared_limiter,
)
from config.celery import app as celery_app

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="shared across processes only through Redis: set REDIS_URL"
)


def a_call(*, per: int = 3, seconds: int = 60, concurrent: int = 5) -> Call:
    """One request to a company no other test uses, ``per`` allowed in any ``seconds``."""
    scope = f"test:{uuid.uuid4().hex}"
    window = Window("requests a moment", per, per, seconds)
    return Call(
        provider="Test",
        budgets=(Budget(scope, window, "this company"),),
        concurrency_scope=scope,
        concurrent=concurrent,
        block_scopes=(scope,),
    )


@pytest.fixture(params=["in the process", "in Redis"])
def store(request) -> str:
    """The store's URL: empty for the embedded defaults."""
    if request.param == "in Redis" and not REDIS_URL:
        pytest.skip("set REDIS_URL to count in Redis")
    return REDIS_URL if request.param == "in Redis" else ""


def in_both(company: Call, batches: Call) -> Call:
    """A request counted in the company's window and in its batch window (a QBO ``/batch``)."""
    return Call(
        provider="Test",
        budgets=company.budgets + batches.budgets,
        concurrency_scope=company.concurrency_scope,
        concurrent=5,
        block_scopes=company.block_scopes + batches.block_scopes,
    )


def admit_and_release(limiter: Limiter, call: Call) -> None:
    limiter.admit(call).release()


def test_a_full_window_refuses_with_the_wait_until_its_oldest_request_leaves(store):
    limiter = Limiter(store)
    call = a_call(per=3, seconds=2)
    for _ in range(3):
        admit_and_release(limiter, call)
    with pytest.raises(Throttled) as refused:
        limiter.admit(call)
    assert 0 < refused.value.retry_after <= 2
    assert "limit of 3 requests a moment" in refused.value.message
    time.sleep(refused.value.retry_after + 0.05)
    admit_and_release(limiter, call)


def test_a_refused_request_uses_none_of_the_budget(store):
    limiter = Limiter(store)
    call = a_call(per=2, seconds=60)
    admit_and_release(limiter, call)
    admit_and_release(limiter, call)
    for _ in range(5):
        with pytest.raises(Throttled):
            limiter.admit(call)
    stats = limiter.windows.get_window_stats(call.budgets[0].window.item(), call.budgets[0].scope)
    assert stats.remaining == 0  # two used, not seven


def test_a_request_counts_against_every_window_it_belongs_to(store):
    limiter = Limiter(store)
    company, batches = a_call(per=10), a_call(per=1)
    batch_request = in_both(company, batches)
    admit_and_release(limiter, batch_request)
    with pytest.raises(Throttled, match="limit of 1 "):
        limiter.admit(batch_request)
    admit_and_release(limiter, company)  # the company's own minute still has room


def test_no_more_than_the_concurrent_limit_are_in_flight_at_once(store):
    limiter = Limiter(store)
    call = a_call(per=100, concurrent=2)
    first, second = limiter.admit(call), limiter.admit(call)
    with pytest.raises(Throttled, match="2 requests are already in progress") as refused:
        limiter.admit(call)
    assert 0 < refused.value.retry_after <= 2
    first.release()
    limiter.admit(call).release()
    second.release()


def test_a_slot_never_given_back_comes_back_after_its_lease(store, monkeypatch):
    monkeypatch.setattr(limiter_module, "LEASE_SECONDS", 1.0)
    limiter = Limiter(store)
    call = a_call(per=100, concurrent=1)
    limiter.admit(call)  # never released: its process "died"
    with pytest.raises(Throttled):
        limiter.admit(call)
    time.sleep(1.1)
    limiter.admit(call).release()


def _hold_a_slot_then_wait_to_be_killed(url: str, call: Call, ready) -> None:
    Limiter(url).admit(call)
    ready.send(True)
    time.sleep(60)


@needs_redis
def test_a_slot_held_by_a_killed_worker_comes_back_after_its_lease(monkeypatch):
    monkeypatch.setattr(limiter_module, "LEASE_SECONDS", 1.5)
    call = a_call(per=100, concurrent=1)
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    worker = context.Process(
        target=_hold_a_slot_then_wait_to_be_killed, args=(REDIS_URL, call, theirs)
    )
    worker.start()
    try:
        assert ours.poll(20), "the worker never took its slot"
        ours.recv()
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(10)
        taken_at = time.monotonic()
        with pytest.raises(Throttled, match="already in progress"):
            Limiter(REDIS_URL).admit(call)
        time.sleep(max(0.0, 1.6 - (time.monotonic() - taken_at)))
        Limiter(REDIS_URL).admit(call).release()
    finally:
        if worker.is_alive():
            os.kill(worker.pid, signal.SIGKILL)
            worker.join(10)


def _admit_all_you_can(url: str, call: Call, tries: int, answers) -> None:
    limiter, admitted_here = Limiter(url), 0
    for _ in range(tries):
        try:
            limiter.admit(call).release()
            admitted_here += 1
        except Throttled:
            pass
    answers.send(admitted_here)


@needs_redis
def test_two_processes_sharing_one_company_never_exceed_its_window_together():
    call = a_call(per=40, seconds=60)
    context = multiprocessing.get_context("fork")
    pipes, workers = [], []
    for _ in range(2):
        ours, theirs = context.Pipe()
        worker = context.Process(target=_admit_all_you_can, args=(REDIS_URL, call, 50, theirs))
        worker.start()
        pipes.append(ours)
        workers.append(worker)
    counts = []
    for pipe, worker in zip(pipes, workers, strict=True):
        assert pipe.poll(60), "a process never answered"
        counts.append(pipe.recv())
        worker.join(10)
    assert sum(counts) == 40


@needs_redis
def test_a_block_asked_in_one_process_stops_the_others_until_it_ends():
    call = a_call(per=100)
    Limiter(REDIS_URL).block(call.block_scopes[0], 1.0, "QuickBooks answered 429")
    with pytest.raises(Throttled, match="answered 429") as refused:
        Limiter(REDIS_URL).admit(call)
    assert 0 < refused.value.retry_after <= 1.0
    time.sleep(refused.value.retry_after + 0.05)
    Limiter(REDIS_URL).admit(call).release()


def test_a_shorter_wait_asked_later_never_shortens_a_longer_one(store):
    limiter = Limiter(store)
    call = a_call(per=100)
    limiter.block(call.block_scopes[0], 30, "day limit")
    limiter.block(call.block_scopes[0], 1, "minute limit")
    with pytest.raises(Throttled) as refused:
        limiter.admit(call)
    assert refused.value.retry_after > 25


def test_without_redis_the_limits_are_counted_in_the_process(settings):
    settings.REDIS_URL = ""
    limiter = shared_limiter()
    assert isinstance(limiter.windows.storage, MemoryStorage)
    assert shared_limiter() is limiter
    call = a_call(per=1)
    admit_and_release(limiter, call)
    with pytest.raises(Throttled):
        limiter.admit(call)


def test_outside_a_task_a_short_wait_is_waited_for():
    limiter = Limiter("")
    call = a_call(per=1, seconds=1)
    admit_and_release(limiter, call)
    started = time.monotonic()
    admitted(call, limiter=limiter, wait_up_to=5).release()
    assert 0.5 < time.monotonic() - started < 3


def test_outside_a_task_a_wait_longer_than_allowed_is_refused_at_once(settings):
    settings.PROVIDER_LIMIT_WAIT_SECONDS = 5
    limiter = Limiter("")
    call = a_call(per=1, seconds=60)
    admit_and_release(limiter, call)
    slept: list[float] = []
    with pytest.raises(Throttled):
        admitted(call, limiter=limiter, sleep=slept.append)
    assert slept == []


@celery_app.task(name="tests.integrations.limiter_probe")
def _probe(per: int, seconds: int) -> dict:
    limiter = Limiter("")
    call = a_call(per=per, seconds=seconds)
    admit_and_release(limiter, call)
    started = time.monotonic()
    try:
        admitted(call, limiter=limiter)
    except Throttled as exc:
        return {
            "in_task": in_worker_task(),
            "waited": time.monotonic() - started,
            "retry_after": exc.retry_after,
        }
    return {"in_task": in_worker_task(), "waited": time.monotonic() - started, "retry_after": None}


def test_a_worker_task_never_waits_for_a_limit_it_is_told_when_to_come_back(settings):
    settings.PROVIDER_LIMIT_WAIT_SECONDS = 5
    answer = _probe.apply(args=(1, 2)).get()
    assert answer["in_task"] is True
    assert answer["retry_after"] and 0 < answer["retry_after"] <= 2
    assert answer["waited"] < 0.5
    assert in_worker_task() is False


def test_the_hub_paces_to_the_sandboxes_shortened_minute_and_to_the_real_one_without_them(
    settings,
):
    from apps.integrations.xero import limits as xero_limits

    settings.SANDBOX_ENABLED, settings.SANDBOX_RATE_WINDOW_SECONDS = True, 2
    minute, day, _ = xero_limits.call_for("tenant").budgets
    assert (minute.window.seconds, day.window.seconds) == (2, 2 * 1440)
    settings.SANDBOX_ENABLED = False
    minute, day, _ = xero_limits.call_for("tenant").budgets
    assert (minute.window.seconds, day.window.seconds) == (60, 86400)


def test_counts_that_cannot_be_reached_send_nothing_and_try_again_later():
    unreachable = Limiter("redis://127.0.0.1:1/0")
    with pytest.raises(TransientError, match="did not answer") as refused:
        unreachable.admit(a_call())
    assert not isinstance(refused.value, Throttled)


@needs_redis
def test_in_redis_a_request_is_checked_and_counted_in_one_round_trip(monkeypatch):
    limiter = Limiter(REDIS_URL)
    call = in_both(a_call(per=10), a_call(per=5))
    admit_and_release(limiter, call)  # Redis has the script from now on
    client = limiter.windows.storage.get_connection()
    sent = []
    real = type(client).execute_command
    monkeypatch.setattr(
        type(client),
        "execute_command",
        lambda self, *args, **kwargs: sent.append(args[0]) or real(self, *args, **kwargs),
    )

    lease = limiter.admit(call)

    assert sent == ["EVALSHA"]  # blocks, the slot and both windows: one script
    for budget in call.budgets:
        stats = limiter.windows.get_window_stats(budget.window.item(), budget.scope)
        assert stats.remaining == budget.window.paced - 2
    lease.release()


@needs_redis
def test_in_redis_a_request_refused_by_one_window_counts_in_none():
    limiter = Limiter(REDIS_URL)
    company = a_call(per=10)
    call = in_both(company, a_call(per=1))
    admit_and_release(limiter, call)
    for _ in range(3):
        with pytest.raises(Throttled, match="limit of 1 "):
            limiter.admit(call)

    window = company.budgets[0]
    assert limiter.windows.get_window_stats(window.window.item(), window.scope).remaining == 9
