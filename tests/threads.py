"""Running what several users do at the same time, in threads of the test process."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_at_once(target: Callable[[], None], count: int) -> None:
    """Run ``target`` in ``count`` threads at once and wait for them all (``target`` closes
    its own database connection)."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
