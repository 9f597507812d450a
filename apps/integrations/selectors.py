"""Reading integrations for pages: cards, latest sync runs, connection health."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from . import registry
from .engine_status import engine_status
from .models import Integration


@dataclass
class Card:
    provider: str
    label: str
    integration: Integration | None


def integrations_with_latest_run(queryset: QuerySet[Integration]) -> list[Integration]:
    """Each integration with ``latest_run`` (its most recent SyncRun or None) attached."""
    integrations = list(queryset.select_related("organisation"))
    runs = engine_status().latest_runs([i.pk for i in integrations])
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
    """While any integration is connected the hub hides Add Payment
    (docs/sync-rules.md, "Payments")."""
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


def health_for(organisation) -> list[Health]:
    engine = engine_status()
    integrations = integrations_with_latest_run(
        Integration.objects.filter(organisation=organisation)
    )
    counts = engine.outbox_counts([i.pk for i in integrations])
    result = []
    for integration in integrations:
        waiting, failed = counts.get(integration.pk, (0, 0))
        run = integration.latest_run
        if integration.status == Integration.Status.NEEDS_RECONNECT:
            state, label = "needs_reconnect", "Needs reconnecting"
        elif integration.status == Integration.Status.DISCONNECTED:
            state, label = "disconnected", "Disconnected"
        elif not integration.sync_enabled:
            state, label = "disabled", "Sync disabled"
        elif integration.waiting_for_start:
            state, label = "waiting", "Connected · first sync waits for Start"
        elif failed or (run is not None and engine.run_failed(run)):
            state, label = "failing", "Failing"
        else:
            state, label = "connected", "Connected"
        result.append(Health(integration, state, label, waiting, failed))
    return result
