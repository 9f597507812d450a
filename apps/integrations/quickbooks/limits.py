"""QuickBooks Online's limits ("API call limits and throttles", per realm) and the pacers that
keep our client inside them.

https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features#limits-and-throttles
"""

from __future__ import annotations

from apps.integrations.pacing import Pacer, PacerRegistry

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
requests_pacers = PacerRegistry(
    lambda: Pacer(
        per_window=REQUESTS_PER_MINUTE - 20, window_seconds=60.0, concurrent=CONCURRENT_REQUESTS
    )
)
batch_pacers = PacerRegistry(
    lambda: Pacer(per_window=BATCH_REQUESTS_PER_MINUTE - 2, window_seconds=60.0, concurrent=1)
)
