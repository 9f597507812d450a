"""Webhooks for what the hub itself just wrote cost nothing, or one cheap request (docs/pulls.md).

Every write the hub makes comes back as a webhook a moment later. A pull for it would read the
records it just sent, whole, only to find them unchanged (40 % of Xero's request budget in a
burst of sends). So before pulling, the events waiting for an integration are compared with
its links:

- an event about a linked record that happened no later than the hub recorded its own write of
  it (``Link.synced_at``) is that write, or older: nothing to read;
- so is an event about a linked customer no later than the hub recorded a write of one of its
  invoices or quotes (Xero stamps a contact again when an invoice makes it a customer);
- other linked records are read by id, one request per kind for all of them (QuickBooks
  ``where Id in (...)``, Xero ``IDs=``): a record at the version the link holds is the hub's
  own; one whose version moved (or whose link holds none) is applied from that same answer,
  compared field by field as any pulled record;
- anything else (a record the hub does not know, a deletion, a kind the provider cannot list
  cheaply) needs the incremental pull, which reads everything changed since its watermark.

Skipping never moves the watermark, so the periodic pull still reads whatever a skipped event
might have hidden (a clock between the hub and the provider that disagrees by more than the
round trip of a write, say).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.integrations.contract import RemoteChange
from apps.integrations.models import Integration, WebhookEvent
from apps.integrations.webhooks import mention_of
from apps.invoices.models import Invoice
from apps.quotes.models import Quote

from .models import Kind, Link

# Events looked at in one go; more waiting than this simply means a pull.
MAX_EVENTS = 500
UNLINKED = "unlinked"


def waiting_events(integration: Integration) -> list[WebhookEvent]:
    return list(
        WebhookEvent.objects.filter(integration=integration, processed_at__isnull=True)
        .order_by("pk")
        .only("pk", "payload", "received_at")[: MAX_EVENTS + 1]
    )


def mark_processed(event_ids: list[int]) -> None:
    WebhookEvent.objects.filter(pk__in=event_ids, processed_at__isnull=True).update(
        processed_at=timezone.now()
    )


def mark_covered(integration: Integration, before: datetime) -> None:
    """A pull starting now reads every change the waiting events announced."""
    WebhookEvent.objects.filter(
        integration=integration, processed_at__isnull=True, received_at__lte=before
    ).update(processed_at=before)


def settle_placed(integration: Integration, kinds: list[str]) -> bool:
    """True when every event waiting for the integration is the hub's own write placed by its
    time alone (nothing to read): they are marked processed here, and no pull task is needed.
    Otherwise nothing is marked, and the pull's plan decides. One or two queries; no request."""
    events = waiting_events(integration)
    if len(events) > MAX_EVENTS:
        return False
    if events and _to_read(integration, kinds, events) != {}:
        return False
    mark_processed([event.pk for event in events])
    return True


@dataclass
class Plan:
    """What the waiting events ask for: nothing, the few records they name that moved (read
    whole by the same request that told their versions), or the incremental pull."""

    event_ids: list[int]
    full: bool = False
    changes: list[RemoteChange] = field(default_factory=list)
    # Full only because a named record has no link yet: while the hub is sending to the
    # integration that is most likely its own create, linked when its answer is written.
    unlinked: bool = False
    oldest: datetime | None = None  # when the oldest waiting event was received

    @property
    def nothing(self) -> bool:
        return not self.full and not self.changes


def plan(integration: Integration, kinds: list[str], adapter_of) -> Plan | None:
    """The plan for the events waiting for the integration; None when none wait (another
    webhook's pull dealt with them). ``adapter_of()`` gives the adapter, made only when a read
    is needed. The caller marks the events processed once the plan is carried out."""
    events = waiting_events(integration)
    if not events:
        return None
    found = Plan(event_ids=[event.pk for event in events], oldest=events[0].received_at)
    if len(events) > MAX_EVENTS:
        found.full = True
        return found
    why: list[str] = []
    to_read = _to_read(integration, kinds, events, why=why)
    if to_read is None:
        found.full, found.unlinked = True, why == [UNLINKED]
    elif to_read:
        moved = _moved(adapter_of(), to_read)
        found.full, found.changes = moved is None, moved or []
    return found


def _to_read(integration: Integration, kinds: list[str], events, why=None) -> dict | None:
    """Kind → {remote id: the version the hub holds} of the records the events name that their
    time cannot place before the hub's own write; None when only a pull will do (``why`` gets
    ``UNLINKED`` when that is only for records with no link yet)."""
    mentions = [mention_of(integration.provider, event.payload) for event in events]
    if any(m.kind is None and not m.reference for m in mentions):
        return None  # a record the hub does not know how to compare: pull, as before
    pulled = [m for m in mentions if m.kind in kinds]
    if any(m.deleted for m in pulled):
        return None  # deletions show only in a pull (QuickBooks change data capture)
    links = {
        (link.kind, link.remote_id): link
        for link in Link.objects.filter(
            integration=integration, remote_id__in={m.remote_id for m in pulled}
        ).only("kind", "object_id", "remote_id", "remote_version", "synced_at")
    }
    to_read: dict[str, dict[str, str]] = defaultdict(dict)
    unplaced = []
    for mention in pulled:
        link = links.get((mention.kind, mention.remote_id))
        if link is None:
            if why is not None:
                why.append(UNLINKED)
            return None  # new to the hub (or its own create not linked yet): the pull links it
        # A link may hold no version (a Xero contact created inside its invoice: the invoice's
        # answer leaves the contact's version out). Its time still places the hub's own write;
        # otherwise it is read by id like any other, and no held version matches what is read.
        if not _placed(mention, link.synced_at):
            unplaced.append((mention, link))
    written = _documents_written(integration, unplaced)
    for mention, link in unplaced:
        if not _placed(
            mention, written.get(link.object_id) if link.kind == Kind.CUSTOMER else None
        ):
            to_read[mention.kind][mention.remote_id] = link.remote_version
    return to_read


def _placed(mention, written_at) -> bool:
    """The event happened no later than the hub recorded a write: that write, or older."""
    return bool(mention.at and written_at and mention.at <= written_at)


def _documents_written(integration: Integration, unplaced) -> dict[int, datetime]:
    """Hub customer → when the hub last recorded a write of one of its invoices or quotes
    here. Xero stamps a contact again when an invoice makes it a customer, and notifies it: an
    event of the contact no later than that is the hub's own invoice, not an edit."""
    customers = {link.object_id for mention, link in unplaced if link.kind == Kind.CUSTOMER}
    times = [mention.at for mention, link in unplaced if mention.at]
    latest: dict[int, datetime] = {}
    if not customers or not times:
        return latest
    for kind, model in ((Kind.INVOICE, Invoice), (Kind.QUOTE, Quote)):
        documents = model.objects.filter(customer_id__in=customers)
        customer_of = documents.filter(pk=OuterRef("object_id")).values("customer_id")[:1]
        rows = (
            Link.objects.filter(
                integration=integration,
                kind=kind,
                object_id__in=documents.values("pk"),
                synced_at__gte=min(times),  # only writes after the events can place them
            )
            .annotate(customer_id=Subquery(customer_of))
            .values_list("customer_id", "synced_at")
        )
        for customer_id, moment in rows:
            if customer_id not in latest or moment > latest[customer_id]:
                latest[customer_id] = moment
    return latest


def _moved(adapter, to_read: dict[str, dict[str, str]]) -> list[RemoteChange] | None:
    """The named records whose version is not the one the hub holds, read whole with one
    request per kind; None when the adapter cannot tell, or a record is gone."""
    moved = []
    for kind, held in to_read.items():
        found = adapter.current(kind, sorted(held))
        for remote_id, version in held.items():
            change = found.get(remote_id)
            if change is None or change.record is None:
                return None
            if change.record.remote_version != version:
                moved.append(change)
    return moved
