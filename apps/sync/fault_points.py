"""Deterministic crash points for the fault suite (``manage.py fault_suite``).

A worker started with ``LEDGERLINK_KILL_AT=<point>[:<n>]`` SIGKILLs itself the n-th time (default
the first) it reaches ``<point>``: the crash the suite wants to recover from happens exactly
there, not wherever a timer happened to land. Only with the sandbox enabled, so a stray variable
cannot kill a production worker. The points are listed in docs/crash-safety.md.
"""

from __future__ import annotations

import os
import signal
import threading

from django.conf import settings

KILL_AT = "LEDGERLINK_KILL_AT"
_reached: dict[str, int] = {}
_lock = threading.Lock()


def fault_point(name: str) -> None:
    wanted = os.environ.get(KILL_AT, "")
    if not wanted or not settings.SANDBOX_ENABLED:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    with _lock:
        _reached[name] = _reached.get(name, 0) + 1
        if _reached[name] == int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)
