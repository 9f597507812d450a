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
# The pull's watermark is the hub's clock when the pull started, compared with Intuit's: change
# data capture asks from this much earlier, for the clocks' difference and for changes Intuit
# reports late. One request whatever the window, so it can be generous.
CDC_OVERLAP_SECONDS = 420
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
