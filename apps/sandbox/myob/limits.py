"""MYOB's rate limits, counted per API key (x-myobapi-key) across every company file: 8 calls a
second and 1,000,000 a day. Over either, MYOB answers 403 Forbidden with a RateLimitError ("API
key has exceeded the per-second rate limit" / "... the daily rate limit"), not 429
(https://developer.myob.com/api/myob-business-api/api-overview/error-messages, generic errors).

A sandbox "second" lasts ``SANDBOX_MYOB_SECOND_SECONDS`` (default 1) and a day 86,400 of them;
``SANDBOX_LIMITS["myob"]`` may lower the counts (tests), as for the other sandboxes.
"""

from __future__ import annotations

from django.conf import settings

from apps.sandbox.limits import Admission, _count

DEFAULT_LIMITS = {"second": 8, "day": 1_000_000}
SECONDS_PER_DAY = 86_400
MESSAGES = {
    "second": "API key has exceeded the per-second rate limit",
    "day": "API key has exceeded the daily rate limit",
}


def limits() -> dict[str, int]:
    overrides = getattr(settings, "SANDBOX_LIMITS", {}).get("myob", {})
    return {**DEFAULT_LIMITS, **overrides}


def _second() -> float:
    return float(getattr(settings, "SANDBOX_MYOB_SECOND_SECONDS", 1.0))


def count_call(api_key: str) -> Admission:
    """Count one call of the key; ``problem`` names the limit it went over."""
    wanted = limits()
    admission = Admission()
    prefix = f"sandbox:limits:myob:key:{api_key}"
    for name, length in (("second", _second()), ("day", _second() * SECONDS_PER_DAY)):
        count, left = _count(f"{prefix}:{name}", length)
        admission.remaining[name] = max(0, wanted[name] - count)
        if count > wanted[name] and not admission.problem:
            admission.problem = name
            admission.retry_after = left
    return admission
