"""Service items in the engine (docs/sync-rules.md, "Service items"): what is sent, when, and how a
document's lines find the item an integration already has.

New and changed service items go to every integration whose items Sync to is on, with their
name, description, price and taxable status. The adapter matches an item the integration already
has (by name, or Xero's code) before creating one, so connecting a company that lists the same
services never doubles them.
"""

from __future__ import annotations

from collections.abc import Iterator

from apps.catalog.models import ServiceItem
from apps.integrations.models import Integration

from .models import Kind, Link, Side, SyncLogEntry

ITEM_FIELDS = ("name", "description", "unit_price", "taxable", "active")
INACTIVE = "Inactive service items are not sent; it is sent if it is made active again."


def item_held_back(item: ServiceItem, link: Link | None) -> str | None:
    """Why ``item`` is not sent, or None. A linked item that was deactivated is still updated
    (QuickBooks marks it inactive too)."""
    if not item.active and link is None:
        return INACTIVE
    return None


def item_candidates(integration: Integration, links: dict[int, str]) -> Iterator[ServiceItem]:
    """Items the integration should be sent now: linked ones changed since they were exchanged,
    and active ones it does not have yet. ``links``: object id → stored fingerprint."""
    from .fingerprints import fingerprint

    items = ServiceItem.objects.filter(organisation_id=integration.organisation_id)
    for item in items.iterator(chunk_size=500):
        if item.pk in links:
            if links[item.pk] != fingerprint(Kind.ITEM, item):
                yield item
        elif item.active:
            yield item


def linked_items(integration: Integration, documents) -> dict[int, str]:
    """Service item id → remote id, for the documents' lines whose item this integration has."""
    ids = {
        line.service_item_id
        for document in documents
        for line in document.lines.all()
        if line.service_item_id
    }
    if not ids:
        return {}
    return dict(
        Link.objects.filter(
            integration=integration, kind=Kind.ITEM, object_id__in=ids, merged_into__isnull=True
        ).values_list("object_id", "remote_id")
    )


def item_send(ctx, item: ServiceItem, link: Link | None, key: str):
    """Create, match or update the item; (Pushed, message for the Sync Log)."""
    pushed = ctx.adapter.push_item(item, link.remote_id if link else None, key=key)
    if link is not None:
        return pushed, "Updated."
    if pushed.matched:
        return pushed, f"Matched the existing item “{pushed.remote_name}” and updated it."
    return pushed, "Created."


def item_remote(ctx, item: ServiceItem) -> str:
    """The item's id in the integration, placing it there first (matched by name, or created)
    when a time activity needs it."""
    from . import outbox
    from .push_one import _log, link_of, link_save

    link = link_of(ctx.integration, Kind.ITEM, item.pk)
    if link is not None:
        return link.remote_id
    key = outbox.idempotency_key(ctx.change, Kind.ITEM, item.pk)
    pushed, message = item_send(ctx, item, None, key)
    link_save(ctx.integration, Kind.ITEM, item, pushed, created_by=Side.HUB)
    _log(ctx, Kind.ITEM, item.pk, SyncLogEntry.Outcome.PUSHED, message, pushed.remote_id)
    return pushed.remote_id
