"""How the event-driven benchmark turns arrivals into its p95 figures."""

from __future__ import annotations

from apps.sandbox.tools.event_ledgers import p95


def test_p95_is_the_nearest_rank_of_what_arrived():
    assert p95([float(n) for n in range(1, 21)]) == 19.0
    assert p95([0.5]) == 0.5


def test_one_invoice_in_twenty_that_never_arrived_is_the_slowest_not_forgotten():
    arrived = [float(n) for n in range(1, 20)]

    assert p95(arrived, missing=1) == 19.0
    assert p95(arrived[:-1], missing=2) is None  # the 95th percentile never arrived


def test_nothing_sent_has_no_p95():
    assert p95([]) is None
