"""Reading sync state for pages: a record's links everywhere, the Sync Log with its filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet

from apps.integrations.models import Integration

from .models import Change, Kind, Link, SyncLogEntry

HISTORY_LENGTH = 5


@dataclass
class RecordLink:
    """Where one hub record is in one integration: "where is this invoice?"."""

    integration: Integration
    link: Link | None
    waiting: Change | None  # a pending, held-back or failed outbox row, if any
    history: list[SyncLogEntry] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.waiting is not None and self.waiting.state == Change.State.FAILED:
            return "failed"
        if self.waiting is not None and self.waiting.state in (
            Change.State.PENDING,
            Change.State.IN_PROGRESS,
        ):
            return "waiting"
        if self.link is not None:
            return "linked"
        if self.history and self.history[0].outcome == SyncLogEntry.Outcome.HELD_BACK:
            return "held_back"
        return "not_sent"


def record_links(*, organisation, kind: str, object_id: int) -> list[RecordLink]:
    """The record's link, latest outbox row and recent history in every integration of the
    organisation (connected or not: a disconnected one keeps its links)."""
    integrations = list(Integration.objects.filter(organisation=organisation))
    ids = [i.pk for i in integrations]
    links = {
        link.integration_id: link
        for link in Link.objects.filter(
            integration_id__in=ids, kind=kind, object_id=object_id, merged_into__isnull=True
        )
    }
    rows = []
    for integration in integrations:
        waiting = (
            Change.objects.filter(integration=integration, kind=kind, object_id=object_id)
            .exclude(state=Change.State.DONE)
            .order_by("-id")
            .first()
        )
        history = list(
            SyncLogEntry.objects.filter(integration=integration, kind=kind, object_id=object_id)[
                :HISTORY_LENGTH
            ]
        )
        rows.append(RecordLink(integration, links.get(integration.pk), waiting, history))
    return rows


@dataclass(frozen=True)
class LogFilters:
    integration: int | None = None
    kind: str = ""
    outcome: str = ""
    since: date | None = None
    until: date | None = None


def log_entries(*, organisation, filters: LogFilters) -> QuerySet[SyncLogEntry]:
    failed = Change.objects.filter(
        integration_id=OuterRef("integration_id"),
        kind=OuterRef("kind"),
        object_id=OuterRef("object_id"),
        state=Change.State.FAILED,
    )
    entries = (
        SyncLogEntry.objects.filter(integration__organisation=organisation)
        .select_related("integration")
        .annotate(retryable=Exists(failed))  # the record is still failed there: offer Retry
    )
    if filters.integration:
        entries = entries.filter(integration_id=filters.integration)
    if filters.kind in Kind.values:
        entries = entries.filter(kind=filters.kind)
    if filters.outcome in SyncLogEntry.Outcome.values:
        entries = entries.filter(outcome=filters.outcome)
    if filters.since:
        entries = entries.filter(created_at__date__gte=filters.since)
    if filters.until:
        entries = entries.filter(created_at__date__lte=filters.until)
    return entries
