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
PAGE_SIZE = 100
IDEMPOTENCY_KEY_MAX_LENGTH = 128
REQUEST_TIMEOUT_SECONDS = 60.0
# When a 429 comes without Retry-After (it should not), wait a minute.
DEFAULT_RETRY_AFTER_SECONDS = 60.0
# If-Modified-Since is sent this much earlier than the watermark, so that a record saved while
# the previous pull ran is not missed; fingerprints make the repeats harmless.
PULL_OVERLAP_SECONDS = 300

requests_pacers = PacerRegistry(
    lambda: Pacer(
        per_window=REQUESTS_PER_MINUTE - 2, window_seconds=60.0, concurrent=CONCURRENT_REQUESTS
    )
)
