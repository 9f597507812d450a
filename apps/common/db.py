"""Database helpers shared by apps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError

T = TypeVar("T")


def when_unlocked(step: Callable[..., T], *args, within: float = 60.0, **kwargs) -> T:
    """Run one short database step, waiting while SQLite reports the database locked: some
    set-ups (shared-cache databases, an exhausted busy timeout) answer a busy writer with an
    error instead of waiting, where PostgreSQL's row lock simply waits. Gives up (re-raises)
    after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            return step(*args, **kwargs)
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(0.1)
