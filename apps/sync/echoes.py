"""Webhooks for what the hub itself just wrote cost nothing, or one cheap request (docs/pulls.md).

Every write the hub makes comes back as a webhook a moment later. A pull for it would read the
records it just sent, whole, only to find them unchanged (40 % of Xero's request budget in a
burst of sends). So before pulling, the events waiting for an integration are compared with
its links:

- an event about a linked record that happened no later than the hub recorded its own write of
  it (``Link.synced_at``) is that write, or older: nothing to read;
- for other linked records one request per kind reads only ids and versions (QuickBooks
  ``select Id, SyncToken``, Xero ``IDs=``), and a record at the version the link holds is the
  hub's own;
- anything else (a record the hub does not know, a deletion, a kind the provider cannot list
  cheaply) needs the incremental pull, which reads everything changed since its watermark.

Skipping never moves the watermark, so the periodic pull still reads whatever a skipped event
might have hidden (a clock between the hub and the provider that disagrees by more than the
round trip of a write, say).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.utils import timezone

from apps.integrations.models import Integration, WebhookEvent
from apps.integrations.webhooks import mention_of

from .models import Link

# Events looked at in one go; more waiting than this simply means a pull.
MAX_EVENTS = 500


def waiting_events(integration: Integration) -> list[WebhookEvent]:
    return list(
        WebhookEvent.objects.filter(integration=integration, processed_at__isnull=True)
        .order_by("pk")
        .only("pk", "payload")[: MAX_EVENTS + 1]
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


def pull_needed(integration: Integration, kinds: list[str], adapter_of) -> bool:
    """Whether the events waiting for the integration announce anything but the hub's own
    writes. They are marked processed once decided (a provider error leaves them waiting).
    ``adapter_of()`` gives the adapter, made only when a cheap read is needed."""
    events = waiting_events(integration)
    if not events:
        return False  # another webhook's check or pull has dealt with them
    needed = len(events) > MAX_EVENTS or _any_news(integration, kinds, events, adapter_of)
    if not needed:
        mark_processed([event.pk for event in events])
    return needed


def _any_news(integration: Integration, kinds: list[str], events, adapter_of) -> bool:
    mentions = [mention_of(integration.provider, event.payload) for event in events]
    if any(m.kind is None and not m.reference for m in mentions):
        return True  # a record the hub does not know how to compare: pull, as before
    pulled = [m for m in mentions if m.kind in kinds]
    if any(m.deleted for m in pulled):
        return True
    links = {
        (link.kind, link.remote_id): link
        for link in Link.objects.filter(
            integration=integration, remote_id__in={m.remote_id for m in pulled}
        ).only("kind", "remote_id", "remote_version", "synced_at")
    }
    to_read: dict[str, dict[str, str]] = defaultdict(dict)
    for mention in pulled:
        link = links.get((mention.kind, mention.remote_id))
        if link is None or not link.remote_version:
            return True
        if mention.at and link.synced_at and mention.at <= link.synced_at:
            continue  # the hub's own write, or something older than it
        to_read[mention.kind][mention.remote_id] = link.remote_version
    return bool(to_read) and _versions_moved(adapter_of(), to_read)


def _versions_moved(adapter, to_read: dict[str, dict[str, str]]) -> bool:
    versions = getattr(adapter, "versions", None)
    if versions is None:
        return True
    for kind, held in to_read.items():
        current = versions(kind, sorted(held))
        if any(current.get(remote_id) != version for remote_id, version in held.items()):
            return True
    return False
