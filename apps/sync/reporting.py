"""What the operations commands share: the integration named on the command line, and a run's
summary as text."""

from __future__ import annotations

from django.core.management.base import CommandError

from apps.integrations.models import Integration

from .models import SyncRun


def integration_argument(pk: int, *, connected: bool = False, then: str = "first") -> Integration:
    """The integration a command was given, or a usage error (exit status 2) saying why not;
    with ``connected``, a disconnected or broken one is refused too ("reconnect it {then}")."""
    integration = Integration.objects.select_related("organisation").filter(pk=pk).first()
    if integration is None:
        raise CommandError(f"No integration with id {pk}.", returncode=2)
    if connected and not integration.is_connected:
        status = integration.get_status_display().lower()
        raise CommandError(f"{integration} is {status}: reconnect it {then}.", returncode=2)
    return integration


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
    return run.status in (
        SyncRun.Status.FAILED,
        SyncRun.Status.PARTIAL,
        SyncRun.Status.INTERRUPTED,
    )
