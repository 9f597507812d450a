"""A client-side pacer: a bulk export stays inside a provider's limits instead of meeting 429s.

Each provider's ``limits`` module states the numbers; its client asks ``Pacer.slot()`` around
every call. The pacer is per process and per remote company: only one drain per integration runs
at a time, so that is where the requests of one company come from
(docs/sync-rules.md, "One drain per integration").
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Pacer:
    """At most ``per_window`` calls in any ``window_seconds`` and ``concurrent`` at once."""

    def __init__(
        self,
        *,
        per_window: int,
        window_seconds: float,
        concurrent: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_window = per_window
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._started: deque[float] = deque()
        self._lock = threading.Lock()
        self._running = threading.BoundedSemaphore(concurrent)

    def wait_time(self) -> float:
        """Seconds until one more call fits in the window (0 when it fits now)."""
        now = self._clock()
        while self._started and now - self._started[0] >= self.window_seconds:
            self._started.popleft()
        if len(self._started) < self.per_window:
            return 0.0
        return self.window_seconds - (now - self._started[0])

    def _reserve(self) -> None:
        while True:
            with self._lock:
                delay = self.wait_time()
                if delay <= 0:
                    self._started.append(self._clock())
                    return
            self._sleep(delay)

    @contextmanager
    def slot(self) -> Iterator[None]:
        self._reserve()
        with self._running:
            yield


class PacerRegistry:
    """One pacer per (limit name, remote company), created on first use."""

    def __init__(self, factory: Callable[[], Pacer]) -> None:
        self._factory = factory
        self._pacers: dict[str, Pacer] = {}
        self._lock = threading.Lock()

    def for_company(self, company_id: str) -> Pacer:
        with self._lock:
            if company_id not in self._pacers:
                self._pacers[company_id] = self._factory()
            return self._pacers[company_id]
