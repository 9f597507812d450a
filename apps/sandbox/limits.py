"""Rate and concurrency limits per company, counted in the Django cache (Redis when configured,
so every web process shares the counts). A provider "minute" lasts
``settings.SANDBOX_RATE_WINDOW_SECONDS`` so tests need not wait a real minute."""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from .models import Provider, SandboxCompany

# QBO: 500/min and 10 concurrent per realm, 40 batch requests/min.
# Xero: 60/min, 5 concurrent and 5,000/day per tenant.
DEFAULT_LIMITS = {
    Provider.QUICKBOOKS: {"minute": 500, "concurrent": 10, "batch": 40},
    Provider.XERO: {"minute": 60, "concurrent": 5, "day": 5000},
}
MINUTES_PER_DAY = 1440


def limits_for(provider: str) -> dict[str, int]:
    """The provider's limits; ``settings.SANDBOX_LIMITS`` may lower some (tests)."""
    overrides = getattr(settings, "SANDBOX_LIMITS", {}).get(provider, {})
    return {**DEFAULT_LIMITS[provider], **overrides}


def _window() -> float:
    return float(settings.SANDBOX_RATE_WINDOW_SECONDS)


def _count(key: str, length: float) -> tuple[int, int]:
    """Add one to the counter of the current window; returns (count, seconds left)."""
    now = time.time()
    bucket = int(now // length)
    full_key = f"{key}:{bucket}"
    cache.add(full_key, 0, timeout=max(1, math.ceil(length * 2)))
    try:
        count = cache.incr(full_key)
    except ValueError:  # expired between add and incr
        cache.add(full_key, 1, timeout=max(1, math.ceil(length * 2)))
        count = 1
    left = max(1, math.ceil((bucket + 1) * length - now))
    return count, left


@dataclass
class Admission:
    """The outcome of counting one request: ``problem`` is set when it must be refused."""

    problem: str = ""
    retry_after: int = 0
    remaining: dict[str, int] = field(default_factory=dict)


def _prefix(company: SandboxCompany) -> str:
    # The realm / tenant id, never the primary key: a test database may hand a reused key to a
    # new company while the cache still counts for the old one.
    return f"sandbox:limits:{company.provider}:{company.external_id}"


def count_request(company: SandboxCompany, *, batch: bool = False) -> Admission:
    limits = limits_for(company.provider)
    prefix = _prefix(company)
    admission = Admission()
    windows = [("minute", _window())]
    if "day" in limits:
        windows.append(("day", _window() * MINUTES_PER_DAY))
    if batch and "batch" in limits:
        windows.append(("batch", _window()))
    for name, length in windows:
        count, left = _count(f"{prefix}:{name}", length)
        admission.remaining[name] = max(0, limits[name] - count)
        if count > limits[name] and not admission.problem:
            admission.problem = name
            admission.retry_after = left
    return admission


@contextmanager
def concurrency_slot(company: SandboxCompany):
    """Hold one of the company's concurrent-request slots; yields False when none is free."""
    key = f"{_prefix(company)}:concurrent"
    cache.add(key, 0, timeout=3600)
    try:
        in_flight = cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=3600)
        in_flight = 1
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
