"""Profile every task a worker process runs (a development aid, off unless asked for).

With ``TASK_PROFILE_DIR`` set in the worker's environment, each pool process keeps one
cProfile profile of CPU time across its tasks and writes it to ``<dir>/<pid>.prof`` after
each task, so ``python -m pstats`` shows where a run's hub CPU went, summed over tasks.
"""

from __future__ import annotations

import cProfile
import os
import time
from pathlib import Path

from celery.signals import task_postrun, task_prerun

_profile: cProfile.Profile | None = None


def install(directory: str) -> None:
    Path(directory).mkdir(parents=True, exist_ok=True)

    @task_prerun.connect(weak=False)
    def _start(**kwargs) -> None:
        global _profile
        if _profile is None:
            _profile = cProfile.Profile(time.process_time)  # CPU, not waiting
        _profile.enable()

    @task_postrun.connect(weak=False)
    def _stop(**kwargs) -> None:
        if _profile is None:
            return
        _profile.disable()
        _profile.dump_stats(os.path.join(directory, f"{os.getpid()}.prof"))
