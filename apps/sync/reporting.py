"""A run's summary as text, for the operations commands."""

from __future__ import annotations

from .models import SyncRun


def run_summary_lines(run: SyncRun) -> list[str]:
    counts = run.counts or {}
    verb = "would be " if run.dry_run else ""
    lines = [
        f"{run.integration}: {run.get_status_display()}"
        + (" (preview: nothing changed)" if run.dry_run else ""),
        f"  {verb}pushed: {counts.get('pushed', 0)}",
        f"  {verb}pulled: {counts.get('pulled', 0)}",
        f"  unchanged: {counts.get('skipped', 0)}",
        f"  held back: {counts.get('held_back', 0)}",
    ]
    lines += [f"    {n} × {reason}" for reason, n in counts.get("held_back_reasons", {}).items()]
    lines.append(f"  failed: {counts.get('failed', 0)}")
    lines += [f"    {failure}" for failure in counts.get("failures", [])]
    if run.message:
        lines.append(f"  {run.message}")
    return lines


def run_has_problems(run: SyncRun) -> bool:
    return run.status in (SyncRun.Status.FAILED, SyncRun.Status.PARTIAL)
