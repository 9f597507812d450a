"""QuickBooks Online's limits, per realm, and how a request is counted against them before it
is sent (apps/integrations/limiter.py, docs/limits.md).

Intuit, "API call limits and throttles":
https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles
- 500 requests a minute per realm, batch requests included;
- 40 batch requests a minute per realm and app (30 payloads recommended per batch);
- 10 concurrent requests per realm and app ("Applications cannot make more than 10 API requests
  to the same realmId": https://developer.intuit.com/hub/blog/2016/08/08/idg-concurrent-api-use-changes-coming-soon);
- a 429 means wait 60 seconds before trying again.
"""

from __future__ import annotations

import requests

from apps.integrations.limiter import (
    Budget,
    Call,
    Window,
    provider_minute_seconds,
    shared_limiter,
)

REQUESTS_PER_MINUTE = 500
CONCURRENT_REQUESTS = 10
BATCH_REQUESTS_PER_MINUTE = 40
BATCH_SIZE = 30
QUERY_PAGE_SIZE = 1000
CDC_MAX_DAYS = 30
# Change data capture answers at most this many objects, without saying that it stopped there.
CDC_MAX_OBJECTS = 1000
# The pull's watermark is the newest LastUpdatedTime it read, in Intuit's own clock, so no
# difference between clocks needs covering; change data capture asks from this much earlier
# only for records saved out of order, stamped a moment before the newest one read but
# committed after the read. Short, so that a pull right after a large export does not read
# more than 1,000 of our own writes again.
CDC_OVERLAP_SECONDS = 10
# A watermark never lags the hub's clock by more than this, so a quiet company's watermark does
# not age towards change data capture's 30 days; as far back as pulls used to reach each time
# (the hub's clock, ahead of Intuit's by at most a few minutes, and Intuit's late changes).
CDC_SETTLED_SECONDS = 420
# Intuit asks clients to wait a minute after a 429.
THROTTLE_WAIT_SECONDS = 60.0
# Intuit times a request out after 120 s; we give up a little earlier and retry later.
REQUEST_TIMEOUT_SECONDS = 60.0
MINOR_VERSION = 75
REQUEST_ID_MAX_LENGTH = 50

# A little headroom below the published figures: other clients of the same realm exist.
PACED_REQUESTS_PER_MINUTE = REQUESTS_PER_MINUTE - 20
PACED_BATCH_REQUESTS_PER_MINUTE = BATCH_REQUESTS_PER_MINUTE - 2


def realm_scope(realm: str) -> str:
    return f"quickbooks:realm:{realm}"


def call_for(realm: str, *, batch: bool = False) -> Call:
    """One request to ``realm``: its minute, and for ``/batch`` its batch minute first (the
    tighter one; a batch request counts towards the 500 too)."""
    scope, minute, owner = realm_scope(realm), provider_minute_seconds(), "this QuickBooks company"
    requests_window = Window(
        "requests a minute", REQUESTS_PER_MINUTE, PACED_REQUESTS_PER_MINUTE, minute
    )
    budgets = [Budget(scope, requests_window, owner)]
    if batch:
        batches = Window(
            "batch requests a minute",
            BATCH_REQUESTS_PER_MINUTE,
            PACED_BATCH_REQUESTS_PER_MINUTE,
            minute,
        )
        budgets.insert(0, Budget(f"{scope}:batch", batches, owner))
    return Call(
        provider="QuickBooks",
        budgets=tuple(budgets),
        concurrency_scope=scope,
        concurrent=CONCURRENT_REQUESTS,
        block_scopes=(scope,),
    )


def retry_after_of(response: requests.Response | None) -> float:
    """A 429's Retry-After in seconds; Intuit's own advice, a minute, when there is none."""
    try:
        return float(response.headers.get("Retry-After", ""))  # type: ignore[union-attr]
    except (AttributeError, TypeError, ValueError):
        return THROTTLE_WAIT_SECONDS


def honour(realm: str, response: requests.Response) -> None:
    """A 429 stops every process's requests to the realm until its wait is over."""
    if response.status_code == 429:
        shared_limiter().block(
            realm_scope(realm), retry_after_of(response), "QuickBooks answered 429"
        )
