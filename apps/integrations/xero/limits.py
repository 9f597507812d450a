"""Xero's limits, per tenant and per app, and how a request is counted against them before it
is sent (apps/integrations/limiter.py, docs/limits.md).

Xero, "OAuth 2.0 API limits": https://developer.xero.com/documentation/guides/oauth2/limits/
- per tenant (and app): 5 calls in progress at once, 60 calls a minute, 5,000 calls a day;
- per app, across all tenants: 10,000 calls a minute;
- every answer carries X-MinLimit-Remaining, X-DayLimit-Remaining and X-AppMinLimit-Remaining;
  a 429 carries Retry-After and X-Rate-Limit-Problem (which limit).
  https://developer.xero.com/faq/limits
"""

from __future__ import annotations

import requests
from django.conf import settings

from apps.integrations.limiter import (
    Budget,
    Call,
    Window,
    provider_minute_seconds,
    shared_limiter,
)

REQUESTS_PER_MINUTE = 60
CONCURRENT_REQUESTS = 5
REQUESTS_PER_DAY = 5000
APP_REQUESTS_PER_MINUTE = 10_000
ELEMENTS_PER_REQUEST = 50
# Pulls ask for Xero's largest page; Quotes take no pageSize and always answer 100 a page.
PULL_PAGE_SIZE = 1000
QUOTES_PAGE_SIZE = 100
IDEMPOTENCY_KEY_MAX_LENGTH = 128
REQUEST_TIMEOUT_SECONDS = 60.0
# When a 429 comes without Retry-After (it should not), wait a minute.
DEFAULT_RETRY_AFTER_SECONDS = 60.0
# The pull's watermark is Xero's own clock (the latest UpdatedDateUTC read), so no clock skew
# needs covering, only a record Xero stamped before one we read but committed after it (a slow
# write of 50 elements). Seconds do that; minutes would re-read every record of a recent export
# on each pull. Repeats are harmless: a known remote version is recognised unchanged. They cost
# a request only when more than a page was stamped in the overlap: an export whose 20 PUTs of 50
# all landed within 10 s (1,000 contacts) makes the next pull read Contacts twice.
PULL_OVERLAP_SECONDS = 10
# A watermark stored before pulls used Xero's clock is the hub's clock at the start of a pull,
# which the engine and the adapter used to move back by 2 + 5 minutes: still done, once.
HUB_CLOCK_WATERMARK_OVERLAP_SECONDS = 420
# Credit notes are read when an invoice moved (an allocation moves it) or a CREDITNOTE webhook
# came; a credit note that touches no invoice (unallocated, refunded) is otherwise found by the
# first pull this long after they were last read: an hour for a tenant without webhooks, a day
# for one whose webhooks announce them (in case one was lost) (docs/pulls.md, "Credit notes").
CREDIT_NOTES_READ_AT_LEAST_EVERY_SECONDS = 3600
CREDIT_NOTES_READ_WITH_WEBHOOKS_EVERY_SECONDS = 86_400

# A little headroom below the published figures, for the difference between our clocks.
PACED_REQUESTS_PER_MINUTE = REQUESTS_PER_MINUTE - 2
PACED_REQUESTS_PER_DAY = REQUESTS_PER_DAY - 50
PACED_APP_REQUESTS_PER_MINUTE = APP_REQUESTS_PER_MINUTE - 100
MINUTES_PER_DAY = 1440
TENANT = "this Xero organisation"
APP = "the hub's Xero app (all organisations)"
# Xero's remaining-calls headers, and the window each one reports on.
REMAINING_HEADERS = (
    ("X-MinLimit-Remaining", "minute"),
    ("X-DayLimit-Remaining", "day"),
    ("X-AppMinLimit-Remaining", "appminute"),
)


def tenant_scope(tenant: str) -> str:
    return f"xero:tenant:{tenant}"


def app_scope() -> str:
    return f"xero:app:{settings.XERO_CLIENT_ID}"


def budgets_for(tenant: str) -> dict[str, Budget]:
    """The windows one request counts against, by the name Xero gives each limit."""
    scope, minute = tenant_scope(tenant), provider_minute_seconds()
    return {
        "minute": Budget(
            f"{scope}:minute",
            Window("calls a minute", REQUESTS_PER_MINUTE, PACED_REQUESTS_PER_MINUTE, minute),
            TENANT,
        ),
        "day": Budget(
            f"{scope}:day",
            Window(
                "calls a day", REQUESTS_PER_DAY, PACED_REQUESTS_PER_DAY, minute * MINUTES_PER_DAY
            ),
            TENANT,
        ),
        "appminute": Budget(
            app_scope(),
            Window(
                "calls a minute", APP_REQUESTS_PER_MINUTE, PACED_APP_REQUESTS_PER_MINUTE, minute
            ),
            APP,
        ),
    }


def call_for(tenant: str) -> Call:
    scope = tenant_scope(tenant)
    return Call(
        provider="Xero",
        budgets=tuple(budgets_for(tenant).values()),
        concurrency_scope=scope,
        concurrent=CONCURRENT_REQUESTS,
        block_scopes=(scope, app_scope()),
    )


def retry_after_of(response: requests.Response) -> float:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return DEFAULT_RETRY_AFTER_SECONDS


def honour(tenant: str, response: requests.Response) -> None:
    """What Xero said about its limits, for every process: a 429 blocks the tenant (or, for the
    app minute, the whole app) until its Retry-After; a remaining count lower than ours brings
    ours up to it."""
    limiter = shared_limiter()
    if response.status_code == 429:
        problem = (response.headers.get("X-Rate-Limit-Problem") or "minute").lower()
        scope = app_scope() if problem == "appminute" else tenant_scope(tenant)
        limiter.block(scope, retry_after_of(response), f"Xero's {problem} limit was reached")
    budgets = budgets_for(tenant)
    for header, name in REMAINING_HEADERS:
        remaining = _int_header(response, header)
        # Plenty left: nothing to correct soon, so no extra round trip to the counts.
        if remaining is not None and remaining < budgets[name].window.published // 2:
            limiter.align(budgets[name], remaining)


def _int_header(response: requests.Response, name: str) -> int | None:
    try:
        return int(response.headers.get(name, ""))
    except ValueError:
        return None
