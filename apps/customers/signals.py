"""What other apps are told while customers are merged (apps above this one receive them).

Time entries and sync links point at customers from apps that sit beside or above this one:
rather than import them, a merge asks them through these signals, inside its transaction.
Each receiver returns a dict of counts by what it moved (e.g. ``{"links": 2}``), which the
merge's preview and history show.
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs ``duplicate_ids``: how many rows of each kind point at these customers.
customer_merge_counted = Signal()

# kwargs ``keep`` and ``duplicate`` (both locked): point what refers to ``duplicate`` at
# ``keep``. Sent before the merge records the kept customer and its documents for sync.
customer_merging = Signal()


def counts_of(responses) -> dict[str, int]:
    """The receivers' counts, in the order they answered."""
    counts: dict[str, int] = {}
    for _receiver, answer in responses:
        counts.update(answer or {})
    return counts
