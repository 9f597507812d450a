"""Rate and concurrency limits, counted in the Django cache (Redis when configured, so every web
process shares the counts). A provider "minute" lasts ``settings.SANDBOX_RATE_WINDOW_SECONDS``
so tests need not wait a real minute.

QuickBooks counts per company in fixed windows. Xero counts per app *and* tenant (another app's
calls to the same organisation use none of this app's budget) in rolling windows, and per app
across all tenants for its app minute limit; docs/sandbox-xero.md tells how.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from .models import Provider, SandboxApp, SandboxCompany

# QBO: 500/min and 10 concurrent per realm, 40 batch requests/min.
# Xero, per app and tenant: 5 concurrent, 60 a minute, 5,000 a day; per app across tenants:
# 10,000 a minute. https://developer.xero.com/documentation/guides/oauth2/limits/ and
# https://developer.xero.com/faq/limits ("Rate limits apply to each connection").
DEFAULT_LIMITS = {
    Provider.QUICKBOOKS: {"minute": 500, "concurrent": 10, "batch": 40},
    Provider.XERO: {"minute": 60, "concurrent": 5, "day": 5000, "appminute": 10000},
}
MINUTES_PER_DAY = 1440
# A rolling window is counted in this many slots: what it remembers is exact to one slot
# (one second of a real minute, 24 minutes of a day).
SLOTS = 60


def limits_for(provider: str) -> dict[str, int]:
    """The provider's limits; ``settings.SANDBOX_LIMITS`` may lower some (tests)."""
    overrides = getattr(settings, "SANDBOX_LIMITS", {}).get(provider, {})
    return {**DEFAULT_LIMITS[provider], **overrides}


def _window() -> float:
    return float(settings.SANDBOX_RATE_WINDOW_SECONDS)


def _incr(key: str, by: int, timeout: float) -> int:
    cache.add(key, 0, timeout=max(1, math.ceil(timeout)))
    try:
        return cache.incr(key, by)
    except ValueError:  # expired between add and incr
        cache.add(key, max(by, 0), timeout=max(1, math.ceil(timeout)))
        return max(by, 0)


def _count(key: str, length: float) -> tuple[int, int]:
    """Add one to the counter of the current fixed window; returns (count, seconds left)."""
    now = time.time()
    bucket = int(now // length)
    count = _incr(f"{key}:{bucket}", 1, length * 2)
    left = max(1, math.ceil((bucket + 1) * length - now))
    return count, left


@dataclass
class _Rolling:
    """One call counted in a rolling window: the calls in it, and where this call went."""

    key: str
    slot_length: float
    counts: list[int]  # oldest slot first, this call's slot last
    first_slot: int

    @property
    def total(self) -> int:
        return sum(self.counts)

    def retry_after(self, limit: int, now: float) -> int:
        """Seconds until enough old slots leave the window for one more call to fit."""
        excess = self.total - limit
        for offset, count in enumerate(self.counts):
            excess -= count
            if excess <= 0:
                leaves_at = (self.first_slot + offset + SLOTS) * self.slot_length
                return max(1, math.ceil(leaves_at - now))
        return max(1, math.ceil(self.slot_length * SLOTS))

    def forget_this_call(self) -> None:
        _incr(f"{self.key}:{self.first_slot + SLOTS - 1}", -1, self.slot_length * (SLOTS + 1))


def _rolling(key: str, length: float) -> _Rolling:
    slot_length = length / SLOTS
    current = int(time.time() // slot_length)
    _incr(f"{key}:{current}", 1, slot_length * (SLOTS + 1))
    first = current - SLOTS + 1
    keys = [f"{key}:{slot}" for slot in range(first, current + 1)]
    found = cache.get_many(keys)
    return _Rolling(key, slot_length, [int(found.get(k) or 0) for k in keys], first)


@dataclass
class Admission:
    """The outcome of counting one request: ``problem`` is set when it must be refused."""

    problem: str = ""
    retry_after: int = 0
    remaining: dict[str, int] = field(default_factory=dict)


def _prefix(company: SandboxCompany, app: SandboxApp | None = None) -> str:
    # The realm / tenant id, never the primary key: a test database may hand a reused key to a
    # new company while the cache still counts for the old one.
    prefix = f"sandbox:limits:{company.provider}:{company.external_id}"
    if company.provider == Provider.XERO and app is not None:
        prefix += f":app:{app.client_id}"
    return prefix


def count_request(
    company: SandboxCompany, *, app: SandboxApp | None = None, batch: bool = False
) -> Admission:
    if company.provider == Provider.XERO:
        return _count_xero(company, app)
    limits = limits_for(company.provider)
    prefix = _prefix(company)
    admission = Admission()
    windows = [("minute", _window())]
    if batch and "batch" in limits:
        windows.append(("batch", _window()))
    for name, length in windows:
        count, left = _count(f"{prefix}:{name}", length)
        admission.remaining[name] = max(0, limits[name] - count)
        if count > limits[name] and not admission.problem:
            admission.problem = name
            admission.retry_after = left
    return admission


def _app_key(app: SandboxApp | None) -> str:
    return f"sandbox:limits:xero-app:{app.client_id if app else ''}:appminute"


def _count_xero(company: SandboxCompany, app: SandboxApp | None) -> Admission:
    """Xero's three counted limits, each over a rolling window. A refused call is not counted:
    a client that waits the Retry-After it was given gets in."""
    limits = limits_for(Provider.XERO)
    prefix = _prefix(company, app)
    windows = {
        "minute": _rolling(f"{prefix}:minute", _window()),
        "day": _rolling(f"{prefix}:day", _window() * MINUTES_PER_DAY),
        "appminute": _rolling(_app_key(app), _window()),
    }
    admission = Admission()
    now = time.time()
    for name, window in windows.items():
        admission.remaining[name] = max(0, limits[name] - window.total)
        if window.total > limits[name] and not admission.problem:
            admission.problem = name
            admission.retry_after = window.retry_after(limits[name], now)
    if admission.problem:
        for name, window in windows.items():
            window.forget_this_call()
            admission.remaining[name] = max(0, limits[name] - window.total + 1)
    return admission


@contextmanager
def concurrency_slot(company: SandboxCompany, app: SandboxApp | None = None):
    """Hold one of the company's concurrent-request slots; yields False when none is free."""
    key = f"{_prefix(company, app)}:concurrent"
    in_flight = _incr(key, 1, 3600)
    try:
        yield in_flight <= limits_for(company.provider)["concurrent"]
    finally:
        try:
            cache.decr(key)
        except ValueError:
            pass


def reset(company: SandboxCompany) -> None:
    """Forget the company's in-flight count (used when tests start from a clean slate)."""
    cache.delete(f"{_prefix(company)}:concurrent")


def app_minute_forget(app: SandboxApp) -> None:
    """Forget the app's calls of the current app minute (tests start from a clean slate: the
    app outlives a test's companies, and so would its count)."""
    slot_length = _window() / SLOTS
    current = int(time.time() // slot_length)
    slots = range(current - SLOTS, current + 2)
    cache.delete_many([f"{_app_key(app)}:{slot}" for slot in slots])
