"""What the operations commands and the dashboard share: the integration named on the command
line, a run's summary as text, and the last days of sync activity per integration."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.management.base import CommandError
from django.db.models import Count
from django.db.models.functions import TruncDate

from apps.common.charts import Chart, stacked_bars
from apps.integrations.models import Integration

from .models import SyncLogEntry, SyncRun


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


ACTIVITY_DAYS = 30
ACTIVITY = ("pushed", "pulled", "failed")  # stacked from the bottom up in the chart


@dataclass
class Activity:
    """One integration's records pushed, pulled and failed per day (the organisation's days)."""

    integration: Integration
    days: list[tuple[date, dict[str, int]]]
    totals: dict[str, int] = field(default_factory=dict)
    chart: Chart | None = None


def sync_activity(*, organisation, days: int = ACTIVITY_DAYS) -> list[Activity]:
    """The last ``days`` days (today included) of every integration, in two queries."""
    zone = zoneinfo.ZoneInfo(organisation.time_zone)
    first = organisation.today() - timedelta(days=days - 1)
    counts = (
        SyncLogEntry.objects.filter(
            integration__organisation=organisation,
            outcome__in=ACTIVITY,
            created_at__gte=datetime.combine(first, time.min, tzinfo=zone),
        )
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values_list("integration_id", "day", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_integration: dict[int, dict[date, dict[str, int]]] = {}
    for integration_id, day, outcome, n in counts:
        by_integration.setdefault(integration_id, {}).setdefault(day, {})[outcome] = n
    calendar = [first + timedelta(days=offset) for offset in range(days)]
    activity = []
    for integration in Integration.objects.filter(organisation=organisation):
        per_day = by_integration.get(integration.pk, {})
        rows = [(day, per_day.get(day, {})) for day in calendar]
        totals = {name: sum(values.get(name, 0) for _, values in rows) for name in ACTIVITY}
        columns = [(f"{day.day}", values) for day, values in rows]
        chart = stacked_bars(columns, order=list(ACTIVITY), height=120, gap=0.3)
        activity.append(Activity(integration, rows, totals, chart))
    return activity
