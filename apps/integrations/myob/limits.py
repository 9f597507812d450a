"""MYOB's limits, counted per API key before each request is sent (apps/integrations/limiter.py,
docs/limits.md, docs/myob.md).

MYOB counts calls per API key (``x-myobapi-key``), across every company file the key reaches:
8 calls a second and a daily limit of 1,000,000 calls. Over either, the gateway answers
**403 Forbidden** (not 429) with a rate-limit error ("API key has exceeded the daily rate limit").
https://developer.myob.com/api/myob-business-api/api-overview/error-messages (generic errors)
https://apisupport.myob.com/hc/en-us/articles/360000497275 (concurrent use: RowVersion)
"""

from __future__ import annotations

import requests
from django.conf import settings

from apps.integrations import limiter
from apps.integrations.limiter import (
    Budget,
    Call,
    Window,
    provider_minute_seconds,
    shared_limiter,
)

REQUESTS_PER_SECOND = 8
REQUESTS_PER_DAY = 1_000_000
# MYOB publishes no "at once" limit; 8 a second already bounds it.
CONCURRENT_REQUESTS = 8
# MYOB has no batch endpoint: one record per request.
RECORDS_PER_REQUEST = 1
# Pages of a collection: MYOB's default is 400, at most 1,000 with $top.
# https://developer.myob.com/api/accountright/api-overview/retrieving-data/
PULL_PAGE_SIZE = 1000
REQUEST_TIMEOUT_SECONDS = 60.0
# A pull re-reads a few seconds before the latest LastModified read (a slow write committed
# after a newer one was read); records read again are recognised unchanged by their RowVersion.
PULL_OVERLAP_SECONDS = 10
# A 403 for the per-second limit without Retry-After: the next second has room. For the daily
# limit: an hour, then the hub tries again (MYOB does not say when its day ends).
SECOND_RETRY_AFTER_SECONDS = 1.0
DAY_RETRY_AFTER_SECONDS = 3600.0

# How a 403 says "rate limit": MYOB's RateLimitError ("API key has exceeded the per-second rate
# limit" / "... the daily rate limit"), or its gateway's "Developer Over Qps" / "Over Rate".
THROTTLE_SIGNS = ("ratelimit", "rate limit", "over qps", "over rate")

PACED_REQUESTS_PER_SECOND = REQUESTS_PER_SECOND - 1
PACED_REQUESTS_PER_DAY = REQUESTS_PER_DAY - 10_000
MINUTES_PER_DAY = 1440
APP = "the hub's MYOB API key (all company files)"


def key_scope() -> str:
    return f"myob:key:{settings.MYOB_CLIENT_ID}"


def budgets() -> tuple[Budget, ...]:
    scope, minute = key_scope(), provider_minute_seconds()
    return (
        Budget(
            f"{scope}:second",
            Window("calls a second", REQUESTS_PER_SECOND, PACED_REQUESTS_PER_SECOND, 1),
            APP,
        ),
        Budget(
            f"{scope}:day",
            Window(
                "calls a day", REQUESTS_PER_DAY, PACED_REQUESTS_PER_DAY, minute * MINUTES_PER_DAY
            ),
            APP,
        ),
    )


def call_for(company_file: str) -> Call:
    return Call(
        provider="MYOB",
        budgets=budgets(),
        concurrency_scope=f"myob:file:{company_file}",
        concurrent=CONCURRENT_REQUESTS,
        block_scopes=(key_scope(),),
    )


# MYOB's busiest window is one second. A worker task waits that out rather than being
# rescheduled: one pull reads every kind and layout (customers, Service and Item invoices and
# quotes, payments, items, tax codes, accounts), more calls than one second allows, and a pull
# rescheduled in the middle starts its kinds again, so it would never finish. A wait longer than
# this (the daily limit, a 403's Retry-After) still reschedules the task.
WORKER_WAIT_SECONDS = 1.0


def patience() -> float:
    """How long a call waits here for MYOB's per-second window (docs/limits.md)."""
    return max(limiter.patience(), WORKER_WAIT_SECONDS)


def throttled_wait(response: requests.Response) -> float | None:
    """Seconds to wait when a 403 is MYOB's rate limit (per second or per day), else None (a
    403 for access: the key is inactive or the file no longer lets this user in)."""
    if response.status_code != 403:
        return None
    text = response.text.lower()
    if not any(sign in text for sign in THROTTLE_SIGNS):
        return None
    daily = "daily" in text or "over rate" in text
    default = DAY_RETRY_AFTER_SECONDS if daily else SECOND_RETRY_AFTER_SECONDS
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return default


def honour(response: requests.Response) -> float | None:
    """A rate-limit 403 stops every process's requests with this key for its wait."""
    wait = throttled_wait(response)
    if wait is not None:
        shared_limiter().block(key_scope(), wait, "MYOB's rate limit was reached")
    return wait
