"""The providers' limits, shared by every process of the hub: a request is counted before it is
sent, and a request that would go over a limit is not sent at all.

Each provider's ``limits`` module states its numbers (with the provider's page beside them) and
describes one request as a ``Call``: the rate windows it counts against (QuickBooks: the realm's
minute, and its batch minute for ``/batch``; Xero: the tenant's minute and day, and the app's
minute across all tenants) and the concurrency slot it holds while it is in flight.

Where the counts live: in Redis when ``settings.REDIS_URL`` is set, so the web processes and
every worker share one count per company; in the process itself on the embedded defaults (no
Redis), where there is one worker. The rate windows are the `limits` library's moving window
(https://limits.readthedocs.io/en/stable/strategies.html#moving-window): it keeps the exact
timestamps of a window's requests, so the wait it gives is exact, its Redis side is one atomic
Lua script per request, and the same calls work on its memory storage.

What a limit says when it is full: ``Throttled(retry_after=...)``, before anything was sent. A
worker task never waits here: it puts its work back and is rescheduled that many seconds later,
so the worker serves other organisations meanwhile. Anything else (a settings page, a command)
may wait up to ``settings.PROVIDER_LIMIT_WAIT_SECONDS`` first, since a person is waiting for it
and nobody else needs that process. What the provider says wins over our count: a 429's
Retry-After blocks the company (or the whole app) for every process until then, and Xero's
``X-*Limit-Remaining`` headers bring our count up to Xero's. See docs/limits.md.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from apps.integrations.contract import Throttled, TransientError

from .limiter_stores import (
    Admission,
    Blocks,
    Leases,
    MemoryAdmission,
    MemoryBlocks,
    MemoryLeases,
    RedisAdmission,
    RedisBlocks,
    RedisLeases,
)

logger = logging.getLogger(__name__)

KEY_PREFIX = "ledgerlink:limits"
# A request lasts at most the clients' time-out (60 s); a lease outlives it a little, so a slot
# held by a worker killed mid-request comes back after this long.
LEASE_SECONDS = 90.0
# When every concurrent slot is taken, the requests in flight normally end within a second.
CONCURRENCY_RETRY_SECONDS = 1.0
# The shortest wait a full window asks for (its oldest request leaves within this anyway).
MIN_RETRY_SECONDS = 0.05


@dataclass(frozen=True)
class Window:
    """At most ``paced`` requests in any ``seconds``, where the provider allows ``published``:
    a little headroom, for the difference between our clock and the provider's."""

    what: str  # e.g. "requests a minute"
    published: int
    paced: int
    seconds: int

    def item(self) -> RateLimitItemPerSecond:
        return RateLimitItemPerSecond(self.paced, self.seconds, namespace="window")


@dataclass(frozen=True)
class Budget:
    """One window of one remote company (or app): ``scope`` names whose requests it counts."""

    scope: str
    window: Window
    owner: str  # e.g. "this Xero organisation", for the message staff may read


@dataclass(frozen=True)
class Call:
    """What one request to a provider must get before it is sent."""

    provider: str
    budgets: tuple[Budget, ...]
    concurrency_scope: str
    concurrent: int
    # Scopes a provider's "wait" stops: the company's, and for Xero the app's too.
    block_scopes: tuple[str, ...]


class Lease:
    """One concurrency slot, held while the request is in flight."""

    def __init__(self, leases: Leases, scope: str, token: str) -> None:
        self._leases, self._scope, self._token = leases, scope, token

    def release(self) -> None:
        try:
            self._leases.give_back(self._scope, self._token)
        except RedisError:
            # The lease expires by itself; a lost release only holds the slot a little longer.
            logger.warning("Could not release a provider concurrency slot of %s", self._scope)


@contextmanager
def _store_errors() -> Iterator[None]:
    """Before a request: no counts, no request (it is tried again later, like any outage)."""
    try:
        yield
    except RedisError as exc:
        raise TransientError(f"The hub's rate-limit counts (Redis) did not answer: {exc}") from exc


@contextmanager
def _store_errors_logged() -> Iterator[None]:
    """After a request: its answer matters more than our counts, which the provider's next
    answer corrects anyway."""
    try:
        yield
    except RedisError:
        logger.warning("Could not record a provider's limit answer", exc_info=True)


class Limiter:
    """Rate windows, concurrency leases and blocks, in Redis (``redis_url``) or in memory."""

    def __init__(self, redis_url: str = "") -> None:
        self.leases: Leases
        self.blocks: Blocks
        self.admission: Admission
        if redis_url:
            storage = RedisStorage(redis_url, key_prefix=KEY_PREFIX)
            client = storage.get_connection()
            self.windows = MovingWindowRateLimiter(storage)
            leases = self.leases = RedisLeases(client, KEY_PREFIX)
            blocks = self.blocks = RedisBlocks(client, KEY_PREFIX)
            self.admission = RedisAdmission(
                client,
                block_key=blocks.key,
                lease_key=leases.key,
                window_key=lambda item, scope: storage.prefixed_key(item.key_for(scope)),
            )
        else:
            self.windows = MovingWindowRateLimiter(MemoryStorage())
            memory_leases = self.leases = MemoryLeases()
            memory_blocks = self.blocks = MemoryBlocks()
            self.admission = MemoryAdmission(memory_leases, memory_blocks, self.windows)

    def admit(self, call: Call) -> Lease:
        """A concurrency slot with the request counted in every window, or ``Throttled``: in
        Redis one script checks and counts everything (``ADMIT``), in the process the same
        rules (``MemoryAdmission``)."""
        token = secrets.token_hex(8)
        with _store_errors():
            answer = self.admission.admit(
                block_scopes=list(call.block_scopes),
                lease_scope=call.concurrency_scope,
                limit=call.concurrent,
                lease_seconds=LEASE_SECONDS,
                token=token,
                windows=[(budget.window.item(), budget.scope) for budget in call.budgets],
            )
            outcome = int(answer[0])
            if outcome == 1:
                reason = answer[2].decode() if isinstance(answer[2], bytes) else str(answer[2])
                raise Throttled(
                    f"{call.provider} asked us to wait ({reason}); nothing was sent.",
                    retry_after=round(max(int(answer[1]) / 1000, MIN_RETRY_SECONDS), 2),
                )
            if outcome == 2:
                raise Throttled(
                    f"{call.provider}: {call.concurrent} requests are already in progress for "
                    "this company; nothing was sent.",
                    retry_after=CONCURRENCY_RETRY_SECONDS,
                )
            if outcome == 3:
                raise self._full(call, call.budgets[int(answer[1]) - 1])
        return Lease(self.leases, call.concurrency_scope, token)

    def _full(self, call: Call, budget: Budget) -> Throttled:
        stats = self.windows.get_window_stats(budget.window.item(), budget.scope)
        wait = max(stats.reset_time - time.time(), MIN_RETRY_SECONDS)
        window = budget.window
        return Throttled(
            f"{call.provider}'s limit of {window.published:,} {window.what} for {budget.owner} "
            "is used up; nothing was sent.",
            retry_after=round(wait, 2),
        )

    def block(self, scope: str, seconds: float, reason: str) -> None:
        """Nothing more for ``scope`` from any process for ``seconds`` (the provider said so)."""
        if seconds > 0:
            with _store_errors_logged():
                self.blocks.extend(scope, seconds, reason)

    def align(self, budget: Budget, remaining_there: int) -> None:
        """The provider's count wins: when it says fewer requests remain than ours does (calls
        made by a process that did not count them, or before a restart), the difference is
        counted now. Those requests were made earlier, so they leave our window a little later
        than the provider's: erring on the safe side."""
        window = budget.window
        used_there = window.published - max(0, remaining_there)
        with _store_errors_logged():
            stats = self.windows.get_window_stats(window.item(), budget.scope)
            used_here = window.paced - stats.remaining
            missing = min(used_there - used_here, stats.remaining)
            if missing > 0:
                self.windows.hit(window.item(), budget.scope, cost=missing)

    def forget(self, call: Call) -> None:
        """Clear a company's counts and blocks (tests, and an operator starting afresh)."""
        with _store_errors():
            for budget in call.budgets:
                self.windows.clear(budget.window.item(), budget.scope)
            for scope in call.block_scopes:
                self.blocks.clear(scope)


def provider_minute_seconds() -> int:
    """How long a provider's "minute" (and its day, 1,440 of them) lasts for our counts: 60 s,
    except while the built-in sandboxes stand in for the providers with a shortened minute
    (``SANDBOX_RATE_WINDOW_SECONDS``: tests, the benchmark's ``--rate-window``), where the hub
    paces itself to the service it talks to. The sandboxes are never on in production."""
    if settings.SANDBOX_ENABLED:
        return max(1, round(float(settings.SANDBOX_RATE_WINDOW_SECONDS)))
    return 60


_shared: dict[str, Limiter] = {}
_shared_lock = threading.Lock()


def shared_limiter() -> Limiter:
    """This process's limiter for the configured store (one per REDIS_URL)."""
    url = settings.REDIS_URL or ""
    with _shared_lock:
        if url not in _shared:
            _shared[url] = Limiter(url)
        return _shared[url]


def in_worker_task() -> bool:
    from celery import current_task

    return bool(current_task)


def patience() -> float:
    """How long a call may wait here for a limit: never in a worker task (rescheduled
    instead), a few seconds elsewhere (a person is waiting for the page)."""
    if in_worker_task():
        return 0.0
    return max(0.0, float(settings.PROVIDER_LIMIT_WAIT_SECONDS))


def admitted(
    call: Call,
    *,
    limiter: Limiter | None = None,
    wait_up_to: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Lease:
    """``limiter.admit(call)``, waiting while what it asks fits in ``wait_up_to``."""
    limiter = limiter or shared_limiter()
    deadline = time.monotonic() + (patience() if wait_up_to is None else wait_up_to)
    while True:
        try:
            return limiter.admit(call)
        except Throttled as exc:
            if (exc.retry_after or 0) > deadline - time.monotonic():
                raise
            sleep(exc.retry_after or MIN_RETRY_SECONDS)


@contextmanager
def request_slot(
    call: Call, *, limiter: Limiter | None = None, wait_up_to: float | None = None
) -> Iterator[None]:
    """Around one HTTP request: counted and holding a concurrency slot, or ``Throttled``.
    ``wait_up_to`` (else ``patience()``) is how long a provider whose window is short waits
    for it here rather than be rescheduled."""
    lease = admitted(call, limiter=limiter, wait_up_to=wait_up_to)
    try:
        yield
    finally:
        lease.release()
