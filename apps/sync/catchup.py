"""Catching an integration up with the hub (docs/sync-rules.md,
"Connecting, disconnecting, reconnecting").

When Sync to is turned on, on Sync Now and after a reconnect, what the integration should have is
worked out in the hub alone, without asking the provider: records still in progress that it does
not have yet, and linked records whose fingerprint has moved since they were last exchanged. So a
Sync Now with nothing changed makes no request per record. Finished history (paid, cancelled) is
not backfilled; each such record is written once to the Sync Log as held back, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import models

from apps.customers.models import Customer
from apps.integrations.models import Integration
from apps.invoices.models import Invoice
from apps.quotes.models import Quote

from . import items, timesheets
from .fingerprints import fingerprint
from .models import Change, Kind, Link, SyncLogEntry, SyncRun
from .push import link_of, load
from .recorder import queue_for
from .rules import Action, decide
from .runs import count, log

CHUNK = 500
MODELS = {Kind.CUSTOMER: Customer, Kind.INVOICE: Invoice, Kind.QUOTE: Quote}
IN_PROGRESS = {
    Kind.INVOICE: [Invoice.Status.SENT],
    Kind.QUOTE: [Quote.Status.SENT, Quote.Status.ACCEPTED],
}
# Service items and time entries choose their own candidates (apps.sync.items / .timesheets).
BY_ITS_OWN_RULES = {
    Kind.ITEM: items.item_candidates,
    Kind.TIME_ENTRY: timesheets.entry_candidates,
}
HISTORY = {
    Kind.INVOICE: [Invoice.Status.PAID, Invoice.Status.PARTIALLY_PAID, Invoice.Status.CANCELLED],
    Kind.QUOTE: [Quote.Status.CANCELLED],
}


def _records(kind: str, queryset: models.QuerySet) -> Iterator[models.Model]:
    if kind != Kind.CUSTOMER:
        queryset = queryset.prefetch_related("lines")
    yield from queryset.iterator(chunk_size=CHUNK)


def _unlinked(integration: Integration, kind: str) -> models.QuerySet:
    linked = Link.objects.filter(
        integration=integration, kind=kind, merged_into__isnull=True
    ).values("object_id")
    return (
        MODELS[kind]
        .objects.filter(organisation_id=integration.organisation_id)
        .exclude(pk__in=linked)
    )


def candidates(integration: Integration, kinds: list[str]) -> Iterator[tuple[str, models.Model]]:
    """Records the integration should be sent now: linked ones that changed in the hub, and
    unlinked ones still in progress."""
    for kind in kinds:
        if not integration.syncs_to(kind) or kind not in (*MODELS, *BY_ITS_OWN_RULES):
            continue
        links = dict(
            Link.objects.filter(
                integration=integration, kind=kind, merged_into__isnull=True
            ).values_list("object_id", "fingerprint")
        )
        if kind in BY_ITS_OWN_RULES:
            yield from ((kind, record) for record in BY_ITS_OWN_RULES[kind](integration, links))
            continue
        linked = MODELS[kind].objects.filter(pk__in=list(links))
        for record in _records(kind, linked):
            if links[record.pk] != fingerprint(kind, record):
                yield kind, record
        if kind in IN_PROGRESS:
            unlinked = _unlinked(integration, kind).filter(status__in=IN_PROGRESS[kind])
            if kind == Kind.INVOICE:
                unlinked = unlinked.exclude(imported_from=integration)
            yield from ((kind, record) for record in _records(kind, unlinked))


def catch_up(integration: Integration, *, kinds: list[str]) -> int:
    """Queue every candidate that is not waiting already; the number queued."""
    queued = 0
    for kind, record in candidates(integration, kinds):
        queue_for(integration_id=integration.pk, kind=kind, object_id=record.pk, drain=False)
        queued += 1
    return queued


def _history(integration: Integration, kind: str) -> Iterator[models.Model]:
    if kind not in HISTORY or not integration.syncs_to(kind):
        return iter(())
    return _unlinked(integration, kind).filter(status__in=HISTORY[kind]).iterator(chunk_size=CHUNK)


def held_back_history(integration: Integration, *, kinds: list[str], run: SyncRun | None) -> int:
    """Paid and cancelled records the integration does not get, each logged once with its reason
    and counted on ``run`` (docs/sync-rules.md, "Held back")."""
    total = 0
    for kind in kinds:
        already = set(
            SyncLogEntry.objects.filter(
                integration=integration, kind=kind, outcome=SyncLogEntry.Outcome.HELD_BACK
            ).values_list("object_id", "message")
        )
        # A record waiting in the outbox is decided, logged and counted by the push itself.
        waiting = set(
            Change.objects.filter(
                integration=integration,
                kind=kind,
                state__in=[Change.State.PENDING, Change.State.IN_PROGRESS, Change.State.FAILED],
            ).values_list("object_id", flat=True)
        )
        entries = []
        for record in _history(integration, kind):
            if record.pk in waiting:
                continue
            decision = decide(integration, kind, record, None)
            if decision.action != Action.HOLD:
                continue
            total += 1
            if run is not None:
                count(run, SyncLogEntry.Outcome.HELD_BACK, message=decision.reason)
            if (record.pk, decision.reason) not in already and not (run and run.dry_run):
                entries.append(
                    SyncLogEntry(
                        run=run,
                        integration=integration,
                        kind=kind,
                        object_id=record.pk,
                        direction=SyncLogEntry.Direction.PUSH,
                        outcome=SyncLogEntry.Outcome.HELD_BACK,
                        message=decision.reason,
                    )
                )
        SyncLogEntry.objects.bulk_create(entries, batch_size=CHUNK)
    return total


PREVIEW_OUTCOME = {
    Action.PUSH: (SyncLogEntry.Outcome.PUSHED, "Would be sent."),
    Action.VOID: (SyncLogEntry.Outcome.PUSHED, "Its cancellation would be sent."),
}


def preview_pending(integration: Integration, *, run: SyncRun) -> None:
    """Dry run of the push side: what waiting rows and catch-up candidates would do."""
    kinds = [Kind.CUSTOMER, Kind.QUOTE, Kind.INVOICE]
    seen: set[tuple[str, int]] = set()
    waiting = Change.objects.filter(
        integration=integration, state__in=[Change.State.PENDING, Change.State.FAILED]
    ).values_list("kind", "object_id")
    pending = [(kind, load(kind, object_id)) for kind, object_id in waiting]
    for kind, record in [*pending, *candidates(integration, kinds)]:
        key = (kind, record.pk if record is not None else None)
        if key in seen:
            continue
        seen.add(key)
        _preview_one(integration, run, kind, record)
    held_back_history(integration, kinds=kinds, run=run)


def _preview_one(integration: Integration, run: SyncRun, kind: str, record) -> None:
    link = link_of(integration, kind, record.pk) if record is not None else None
    decision = decide(integration, kind, record, link)
    if decision.action in PREVIEW_OUTCOME:
        outcome, message = PREVIEW_OUTCOME[decision.action]
    elif decision.action == Action.HOLD:
        outcome, message = SyncLogEntry.Outcome.HELD_BACK, decision.reason
    else:
        outcome, message = SyncLogEntry.Outcome.SKIPPED, decision.reason
    log(
        run=run,
        integration=integration,
        kind=kind,
        object_id=record.pk if record is not None else None,
        direction=SyncLogEntry.Direction.PUSH,
        outcome=outcome,
        message=message,
    )
