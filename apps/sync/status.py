"""The engine's status as the integrations pages show it (``apps.integrations.engine_status``):
plugged in by ``receivers`` when Django starts."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, OuterRef, Q, Subquery

from .models import Change, SyncRun


def latest_runs(integration_ids: list[int]) -> dict[int, SyncRun]:
    """Each integration's most recent SyncRun, by integration id, in one query: only the latest
    run of each is read, not every run it ever had."""
    latest = SyncRun.objects.filter(integration_id=OuterRef("integration_id")).order_by(
        "-started_at", "-id"
    )
    runs = SyncRun.objects.filter(
        integration_id__in=integration_ids, pk=Subquery(latest.values("pk")[:1])
    )
    return {run.integration_id: run for run in runs}


def outbox_counts(integration_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """(waiting, failed, retrying) outbox rows of each integration, in one query. Retrying: rows
    waiting again after a transient failure (a rate limit, a time-out, the ledger down)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Change.objects.filter(
            integration_id__in=integration_ids,
            state__in=[Change.State.PENDING, Change.State.FAILED],
        )
        .values("integration_id", "state")
        .annotate(n=Count("id"), retrying=Count("id", filter=Q(transient_failures__gt=0)))
    )
    for row in rows:
        counts[row["integration_id"]][row["state"]] = row["n"]
        if row["state"] == Change.State.PENDING:
            counts[row["integration_id"]]["retrying"] = row["retrying"]
    return {
        pk: (
            states.get(Change.State.PENDING, 0),
            states.get(Change.State.FAILED, 0),
            states.get("retrying", 0),
        )
        for pk, states in counts.items()
    }


def run_failed(run: SyncRun) -> bool:
    return run.status == SyncRun.Status.FAILED
