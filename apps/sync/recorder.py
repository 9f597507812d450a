"""The one door through which hub apps say "this record changed"
(docs/sync-rules.md, "Through the hub").

Called by the services of customers, quotes, invoices, payments, catalog and timesheets inside
the transaction that made the change, so the outbox row commits or rolls back with it.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import Subquery
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.integrations.models import Integration

from .models import Change


def record_change(
    *, organisation_id: int, kind: str, object_id: int, except_integration_id: int | None = None
) -> None:
    """Queue (kind, object_id) for every connected integration of the organisation that takes
    that kind. Whether the record is really sent (drafts, paid, cancelled ...) is decided when the
    outbox is drained, so a later change of state is judged on the record as it is then.

    ``except_integration_id``: the integration a pulled change came from. Its link already holds
    the record's fingerprint, so a row for it would only ever be skipped
    (docs/sync-rules.md, "No echoes")."""
    ids = [
        integration.pk
        for integration in Integration.objects.filter(organisation_id=organisation_id)
        if integration.syncs_to(kind) and integration.pk != except_integration_id
    ]
    if ids:
        _queue(ids, kind, object_id, organisation_id=organisation_id)
        transaction.on_commit(lambda: _schedule_drains(ids))


def queue_for(*, integration_id: int, kind: str, object_id: int, drain: bool = True) -> None:
    """Queue one record for one integration; later edits coalesce into the waiting row.

    Never into a row a drain has already taken: the merge is a conditional update of a row that
    is still waiting, which also locks it until this transaction commits, and a drain skips
    locked rows (``outbox.take_due``). So the row this edit lands in is read, at the earliest,
    after the edit commits. A row parked as failed is revived instead of doubled (the record
    changed: it is tried again, under its idempotency key). Why, in docs/outbox.md."""
    _queue([integration_id], kind, object_id)
    if drain:
        transaction.on_commit(lambda: _schedule_drains([integration_id]))


def _queue(
    integration_ids: list[int], kind: str, object_id: int, *, organisation_id: int | None = None
) -> None:
    """``queue_for`` for several integrations of one organisation, in a few statements for
    them all: one look at the record's waiting and parked rows, one merge into the waiting ones,
    one insert of the new ones. Whatever moved between the look and the write (a drain took a
    row, another edit inserted one) goes the careful way, one integration at a time."""
    _record_in_turn(integration_ids[0], organisation_id)
    rows = Change.objects.filter(kind=kind, object_id=object_id)
    found = _waiting_and_parked(rows, integration_ids)
    waiting = {pk for pk, state in found if state == Change.State.PENDING}
    careful = {pk for pk, state in found if state == Change.State.FAILED} - waiting
    fresh = [pk for pk in integration_ids if pk not in waiting and pk not in careful]
    if waiting:
        merged = rows.filter(integration_id__in=waiting, state=Change.State.PENDING).update(
            updated_at=timezone.now()
        )
        if merged != len(waiting):
            careful |= waiting  # merging again into a row that is still waiting changes nothing
    if fresh:
        try:
            with transaction.atomic():  # a savepoint: losing to a concurrent insert is clean
                Change.objects.bulk_create(
                    [Change(integration_id=pk, kind=kind, object_id=object_id) for pk in fresh]
                )
        except IntegrityError:
            careful |= set(fresh)
    for integration_id in sorted(careful):
        _queue_one(rows.filter(integration_id=integration_id), integration_id, kind, object_id)


def _waiting_and_parked(rows, integration_ids: list[int]) -> list[tuple[int, str]]:
    """(integration id, state) of the record's rows that wait or are parked as failed."""
    return list(
        rows.filter(
            integration_id__in=integration_ids,
            state__in=[Change.State.PENDING, Change.State.FAILED],
        ).values_list("integration_id", "state")
    )


def _queue_one(rows, integration_id: int, kind: str, object_id: int) -> None:
    for _ in range(5):
        if rows.filter(state=Change.State.PENDING).update(updated_at=timezone.now()):
            return
        try:
            with transaction.atomic():  # a savepoint: losing to a concurrent insert is clean
                if not _revive_failed(rows):
                    Change.objects.create(
                        integration_id=integration_id, kind=kind, object_id=object_id
                    )
            return
        except IntegrityError:
            continue  # another edit made the waiting row first: merge into that one
    raise RuntimeError(f"Could not queue {kind} {object_id} for {integration_id}.")


def _record_in_turn(integration_id: int, organisation_id: int | None = None) -> None:
    """Wait until no other open transaction is recording for the same organisation.

    Each waiting row written here stays locked until this transaction commits, so two saves
    recording the same two records in opposite order would each wait for the other (a
    deadlock: PostgreSQL aborts one). The organisation's row, locked before the first waiting
    row and until commit, orders them. The same row a pull locks before it brings a customer in
    (``apply.customer_apply``), so a pull and a save never wait for each other's lock in turn;
    "no key" keeps it from blocking the inserts that merely refer to the organisation. Why, and
    the rule for callers, in docs/outbox.md. SQLite already lets one writer at a time in."""
    if not connection.in_atomic_block:
        return  # on its own, each statement commits at once and holds nothing
    organisation = organisation_id or Subquery(
        Integration.objects.filter(pk=integration_id).values("organisation_id")
    )
    Organisation.objects.select_for_update(no_key=True).filter(pk=organisation).values("pk").first()


def _revive_failed(rows) -> bool:
    latest = rows.filter(state=Change.State.FAILED).order_by("-pk").values("pk")[:1]
    return bool(
        rows.filter(pk__in=Subquery(latest), state=Change.State.FAILED).update(
            state=Change.State.PENDING,
            next_attempt_at=None,
            claimed_at=None,
            updated_at=timezone.now(),
        )
    )


def _schedule_drains(integration_ids: list[int]) -> None:
    from .gather import drain_soon  # gathers the drains a send's commits ask for (docs/outbox.md)

    drain_soon(integration_ids)
