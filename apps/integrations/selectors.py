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
    """Each integration with ``latest_run`` (its most recent SyncRun or None) and ``health``
    attached, in a fixed number of queries."""
    integrations = list(queryset.select_related("organisation"))
    runs = engine_status().latest_runs([i.pk for i in integrations])
    for integration in integrations:
        integration.latest_run = runs.get(integration.pk)
    return _with_health(integrations)


def integration_with_latest_run(integration: Integration) -> Integration:
    """One integration, read again with its ``latest_run`` and ``health``."""
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
    """One integration's health: the one status its card, badge and the status bar all show."""

    integration: Integration
    state: str  # disconnected / needs_reconnect / sync_off / failing / retrying / syncing / healthy
    label: str
    tone: str  # off / bad / warn / busy / good: the dot's colour
    waiting: int = 0
    failed: int = 0
    retrying: int = 0


def _records(n: int) -> str:
    return f"{n} record{'s' if n != 1 else ''}"


def health_of(integration: Integration, counts: tuple[int, ...], run_failed: bool) -> Health:
    """Decide the status, most urgent first, so two places can never disagree."""
    waiting, failed, retrying = (tuple(counts) + (0, 0, 0))[:3]
    run = getattr(integration, "latest_run", None)
    if integration.status == Integration.Status.DISCONNECTED:
        state, label, tone = "disconnected", "Disconnected", "off"
    elif integration.status == Integration.Status.NEEDS_RECONNECT:
        state, label, tone = "needs_reconnect", "Needs reconnecting", "bad"
    elif not integration.sync_enabled:
        state, label, tone = "sync_off", "Sync off", "off"
    elif integration.waiting_for_start:
        state, label, tone = "waiting", "Connected · first sync waits for Start", "warn"
    elif failed:
        state, label, tone = "failing", f"Failing ({_records(failed)})", "bad"
    elif run_failed:
        state, label, tone = "failing", "Failing (last sync failed)", "bad"
    elif retrying:
        state, label, tone = "retrying", f"Retrying ({_records(retrying)})", "warn"
    elif run is not None and run.status == "running":
        state, label, tone = "syncing", "Syncing", "busy"
    else:
        state, label, tone = "healthy", "Healthy", "good"
    return Health(integration, state, label, tone, waiting, failed, retrying)


def _with_health(integrations: list[Integration]) -> list[Integration]:
    """Attach ``health`` to integrations read with their ``latest_run`` (one query more)."""
    engine = engine_status()
    counts = engine.outbox_counts([i.pk for i in integrations])
    for integration in integrations:
        run = integration.latest_run
        integration.health = health_of(
            integration,
            counts.get(integration.pk, (0, 0, 0)),
            run is not None and engine.run_failed(run),
        )
    return integrations


def health_for(organisation) -> list[Health]:
    integrations = integrations_with_latest_run(
        Integration.objects.filter(organisation=organisation)
    )
    return [integration.health for integration in integrations]
