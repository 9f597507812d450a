"""The links a nightly export page writes, checked against the links that exist by then.

Between reading a page and writing its outcomes, the links may have moved: a pull may have
linked the hub's own record (see apps.sync.own_records), or an earlier crash may have left a
remote record linked to a copy of the invoice. A link is never written twice and never breaks
the run: an existing link for the same pair is updated; one that ties the remote record (or the
hub record) to something else stays, and the item is reported with what to do. See
docs/crash-safety.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from apps.integrations.models import Integration

from .models import Link, Side

logger = logging.getLogger(__name__)


@dataclass
class Existing:
    by_remote: dict[str, Link]
    by_object: dict[int, Link]


def existing_links(
    integration: Integration, kind: str, *, remote_ids: Iterable[str], object_ids: Iterable[int]
) -> Existing:
    rows = Link.objects.filter(integration=integration, kind=kind)
    by_remote = {link.remote_id: link for link in rows.filter(remote_id__in=set(remote_ids))}
    by_object = {
        link.object_id: link
        for link in rows.filter(object_id__in=set(object_ids), merged_into__isnull=True)
    }
    return Existing(by_remote=by_remote, by_object=by_object)


def link_for(
    existing: Existing,
    *,
    integration: Integration,
    kind: str,
    object_id: int,
    remote_id: str,
    label: str,
) -> tuple[Link | None, bool, str]:
    """(the link to write, whether it is new, why there is none). ``label`` names the hub
    record in the message."""
    holder = existing.by_remote.get(remote_id)
    if holder is not None and holder.object_id != object_id:
        return (
            None,
            False,
            f"The integration's {kind} {remote_id} is already linked to another hub {kind} "
            f"(id {holder.object_id}), so {label} was not linked to it a second time. Cancel "
            "the hub copy that should not exist, then retry.",
        )
    if holder is not None:
        return holder, False, ""
    mine = existing.by_object.get(object_id)
    if mine is not None and mine.remote_id != remote_id:
        return (
            None,
            False,
            f"{label} is already linked to {mine.remote_id} in the integration, which now also "
            f"holds {remote_id}: void or delete {remote_id} there, then retry.",
        )
    if mine is not None:
        return mine, False, ""
    link = Link(integration=integration, kind=kind, object_id=object_id, created_by=Side.HUB)
    existing.by_remote[remote_id] = link
    existing.by_object[object_id] = link
    return link, True, ""


def links_create(links: list[Link]) -> list[Link]:
    """Create ``links`` (inside the caller's transaction); the ones another process linked in
    the meantime are left as that process wrote them and returned."""
    try:
        with transaction.atomic():
            Link.objects.bulk_create(links)
        return []
    except IntegrityError:
        pass
    left = []
    for link in links:
        try:
            with transaction.atomic():
                link.pk = None
                link.save(force_insert=True)
        except IntegrityError:
            logger.warning("%s was linked by another process meanwhile; kept as it is.", link)
            left.append(link)
    return left
