"""Reading integrations for pages: cards, latest sync runs, connection health."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery

from . import registry
from .models import Integration


@dataclass
class Card:
    provider: str
    label: str
    integration: Integration | None


def latest_runs(integration_ids: list[int]) -> dict:
    """Each integration's most recent SyncRun, by integration id, in one query: only the latest
    run of each is read, not every run it ever had."""
    from apps.sync.models import SyncRun

    latest = SyncRun.objects.filter(integration_id=OuterRef("integration_id")).order_by(
        "-started_at", "-id"
    )
    runs = SyncRun.objects.filter(
        integration_id__in=integration_ids, pk=Subquery(latest.values("pk")[:1])
    )
    return {run.integration_id: run for run in runs}


def integrations_with_latest_run(queryset: QuerySet[Integration]) -> list[Integration]:
    """Each integration with ``latest_run`` (its most recent SyncRun or None) attached."""
    integrations = list(queryset.select_related("organisation"))
    runs = latest_runs([i.pk for i in integrations])
    for integration in integrations:
        integration.latest_run = runs.get(integration.pk)
    return integrations


def integration_with_latest_run(integration: Integration) -> Integration:
    """One integration, read again with its ``latest_run``."""
    (row,) = integrations_with_latest_run(Integration.objects.filter(pk=integration.pk))
    return row


def integration_cards(organisation) -> list[Card]:
    by_provider = {
        i.provider: i
        for i in integrations_with_latest_run(Integration.objects.filter(organisation=organisation))
    }
    return [Card(p.name, p.display_name, by_provider.get(p.name)) for p in registry.providers()]


def organisation_has_connected_integration(organisation) -> bool:
    """While any integration is connected the hub hides Add Payment (seed 000, limitation 3)."""
    return Integration.objects.filter(
        organisation=organisation, status=Integration.Status.CONNECTED
    ).exists()


@dataclass
class Health:
    integration: Integration
    state: str  # connected / disabled / needs_reconnect / failing / disconnected
    label: str
    waiting: int
    failed: int


def _change_counts(integration_ids: list[int]) -> dict[int, dict[str, int]]:
    from apps.sync.models import Change

    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Change.objects.filter(
            integration_id__in=integration_ids,
            state__in=[Change.State.PENDING, Change.State.FAILED],
        )
        .values("integration_id", "state")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["integration_id"]][row["state"]] = row["n"]
    return counts


def health_for(organisation) -> list[Health]:
    from apps.sync.models import Change, SyncRun

    integrations = integrations_with_latest_run(
        Integration.objects.filter(organisation=organisation)
    )
    counts = _change_counts([i.pk for i in integrations])
    result = []
    for integration in integrations:
        waiting = counts[integration.pk].get(Change.State.PENDING, 0)
        failed = counts[integration.pk].get(Change.State.FAILED, 0)
        run = integration.latest_run
        if integration.status == Integration.Status.NEEDS_RECONNECT:
            state, label = "needs_reconnect", "Needs reconnecting"
        elif integration.status == Integration.Status.DISCONNECTED:
            state, label = "disconnected", "Disconnected"
        elif not integration.sync_enabled:
            state, label = "disabled", "Sync disabled"
        elif failed or (run is not None and run.status == SyncRun.Status.FAILED):
            state, label = "failing", "Failing"
        else:
            state, label = "connected", "Connected"
        result.append(Health(integration, state, label, waiting, failed))
    return result
