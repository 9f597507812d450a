"""Xero's limits (per tenant) and the pacer that keeps our client inside them.

https://developer.xero.com/documentation/guides/oauth2/limits/
"""

from __future__ import annotations

from apps.integrations.pacing import Pacer, PacerRegistry

REQUESTS_PER_MINUTE = 60
CONCURRENT_REQUESTS = 5
# The 5,000 calls a day per tenant are not paced here: past them Xero's 429 names the day
# limit and its Retry-After, which the client turns into a transient error that waits.
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
# on each pull. Paced at 60 calls a minute, our writes put at most ~500 elements in 10 s: the
# re-read fits one page. Repeats are harmless: a known remote version is recognised unchanged.
PULL_OVERLAP_SECONDS = 10
# A watermark stored before pulls used Xero's clock is the hub's clock at the start of a pull,
# which the engine and the adapter used to move back by 2 + 5 minutes: still done, once.
HUB_CLOCK_WATERMARK_OVERLAP_SECONDS = 420

requests_pacers = PacerRegistry(
    lambda: Pacer(
        per_window=REQUESTS_PER_MINUTE - 2, window_seconds=60.0, concurrent=CONCURRENT_REQUESTS
    )
)
