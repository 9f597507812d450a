"""Sync Now's progress as its page shows it: the phase (reading what changed in the ledger,
sending the hub's records, done) and the counts as they move.

Read only from the run and the outbox: the engine saves the run's counts as it goes
(``runs.run_save_progress``). A run may name its phase in ``counts["phase"]`` ("reading" /
"sending"); without it, the phase follows from the counts: nothing sent yet means still reading.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Change, SyncRun

PHASES = (("reading", "Reading"), ("sending", "Sending"), ("done", "Done"))
SENT = ("pushed", "held_back", "failed")


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: str  # done / current / todo


@dataclass(frozen=True)
class Progress:
    phase: str
    steps: list[Step]
    read: int
    sent: int
    waiting: int
    percent: int | None  # None while the total is unknown (reading)

    @property
    def total(self) -> int:
        return self.sent + self.waiting


def _phase(run: SyncRun, sent: int) -> str:
    if run.is_finished:
        return "done"
    named = (run.counts or {}).get("phase")
    if named in ("reading", "sending"):
        return named
    return "sending" if sent else "reading"


def run_progress(run: SyncRun) -> Progress:
    """Where the run is (one query while it sends: the records still waiting)."""
    counts = run.counts or {}
    sent = sum(int(counts.get(name, 0) or 0) for name in SENT)
    phase = _phase(run, sent)
    waiting = 0
    if phase == "sending" and not run.dry_run:
        waiting = Change.objects.filter(
            integration_id=run.integration_id,
            state__in=[Change.State.PENDING, Change.State.IN_PROGRESS],
        ).count()
    order = [key for key, _ in PHASES]
    steps = [
        Step(
            key,
            label,
            "done"
            if order.index(key) < order.index(phase) or phase == "done"
            else ("current" if key == phase else "todo"),
        )
        for key, label in PHASES
    ]
    if phase == "done":
        percent = 100
    elif phase == "sending":
        percent = 50 + (50 * sent // (sent + waiting) if sent + waiting else 0)
    else:
        percent = None
    read = int(counts.get("pulled", 0) or 0) + int(counts.get("skipped", 0) or 0)
    return Progress(phase, steps, read, sent, waiting, percent)
