from __future__ import annotations

from apps.integrations import pacing
from apps.integrations.quickbooks import limits as qbo_limits
from apps.integrations.xero import limits as xero_limits


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_calls_within_the_limit_go_at_once():
    time = FakeTime()
    pacer = pacing.Pacer(
        per_window=3, window_seconds=60, concurrent=2, clock=time.clock, sleep=time.sleep
    )
    for _ in range(3):
        with pacer.slot():
            pass
    assert time.slept == []


def test_the_call_over_the_limit_waits_for_the_window_to_move():
    time = FakeTime()
    pacer = pacing.Pacer(
        per_window=2, window_seconds=60, concurrent=2, clock=time.clock, sleep=time.sleep
    )
    for second in (0, 10):
        time.now = second
        with pacer.slot():
            pass
    time.now = 15
    with pacer.slot():
        pass
    assert time.slept == [45]  # until the first call is a minute old


def test_each_company_has_its_own_pacer_within_the_published_limits():
    first = qbo_limits.requests_pacers.for_company("realm-1")
    assert first is qbo_limits.requests_pacers.for_company("realm-1")
    assert first is not qbo_limits.requests_pacers.for_company("realm-2")
    assert first.per_window <= qbo_limits.REQUESTS_PER_MINUTE
    assert qbo_limits.batch_pacers.for_company("x").per_window <= 40
    assert xero_limits.requests_pacers.for_company("t").per_window <= 60


def test_an_answer_missing_what_we_need_is_transient_not_a_crash():
    import pytest

    from apps.integrations.contract import TransientError
    from apps.integrations.wire import malformed_is_transient

    @malformed_is_transient("Xero")
    def reads(answer):
        return answer["Contacts"][0]["ContactID"]

    @malformed_is_transient("Xero")
    def pages(answer):
        yield answer["Contacts"]

    with pytest.raises(TransientError, match="Xero answered something unexpected"):
        reads({})
    with pytest.raises(TransientError):
        list(pages({}))
