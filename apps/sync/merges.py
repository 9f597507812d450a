"""Customer merges, the engine's part: the duplicate's links follow the customer kept.

Asked by the customers app through its merge signals (``receivers``), inside the merge's
transaction, before the merge records the kept customer and its documents for sync."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Change, Kind, Link, SyncLogEntry


def customer_links_count(duplicate_ids: Iterable[int]) -> int:
    return Link.objects.filter(kind=Kind.CUSTOMER, object_id__in=list(duplicate_ids)).count()


def customer_links_move(*, keep, duplicate) -> int:
    """Re-point the duplicate's links; where the kept customer is already linked in the same
    integration, the duplicate's link is marked merged (and logged) instead of kept twice.
    The duplicate's own waiting pushes are dropped: they would send a customer that no longer
    stands on its own. Returns the links moved."""
    kept_links = {
        link.integration_id: link
        for link in Link.objects.filter(kind=Kind.CUSTOMER, object_id=keep.pk, merged_into=None)
    }
    moved = 0
    for link in Link.objects.filter(kind=Kind.CUSTOMER, object_id=duplicate.pk).select_related(
        "integration"
    ):
        survivor = kept_links.get(link.integration_id)
        if survivor is not None and link.merged_into_id is None:
            link.merged_into = survivor
            _log_merged(link, keep, duplicate, survivor)
        link.object_id = keep.pk
        link.save(update_fields=["object_id", "merged_into"])
        moved += 1
    Change.objects.filter(
        kind=Kind.CUSTOMER, object_id=duplicate.pk, state=Change.State.PENDING
    ).delete()
    return moved


def _log_merged(link: Link, keep, duplicate, survivor: Link) -> None:
    SyncLogEntry.objects.create(
        integration=link.integration,
        kind=Kind.CUSTOMER,
        object_id=keep.pk,
        remote_id=link.remote_id,
        direction=SyncLogEntry.Direction.PUSH,
        outcome=SyncLogEntry.Outcome.MERGED,
        message=(
            f"“{duplicate}” was merged into “{keep}”. Its record {link.remote_id} in "
            f"{link.integration} now points at {survivor.remote_id}, which stays linked."
        ),
    )
