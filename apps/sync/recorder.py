"""The one door through which hub apps say "this record changed" (DESIGN.md rule 1).

Called by the services of customers, quotes, invoices, payments, catalog and timesheets inside
the transaction that made the change, so the outbox row commits or rolls back with it.
"""

from __future__ import annotations

from django.db import transaction

from apps.integrations.models import Integration

from .models import Change


def record_change(
    *, organisation_id: int, kind: str, object_id: int, except_integration_id: int | None = None
) -> None:
    """Queue (kind, object_id) for every connected integration of the organisation that takes
    that kind. Whether the record is really sent (drafts, paid, cancelled ...) is decided when the
    outbox is drained, so a later change of state is judged on the record as it is then.

    ``except_integration_id``: the integration a pulled change came from. Its link already holds
    the record's fingerprint, so a row for it would only ever be skipped (rule 2)."""
    integrations = [
        integration
        for integration in Integration.objects.filter(organisation_id=organisation_id)
        if integration.syncs_to(kind) and integration.pk != except_integration_id
    ]
    for integration in integrations:
        queue_for(integration_id=integration.pk, kind=kind, object_id=object_id, drain=False)
    if integrations:
        ids = [integration.pk for integration in integrations]
        transaction.on_commit(lambda: _schedule_drains(ids))


def queue_for(*, integration_id: int, kind: str, object_id: int, drain: bool = True) -> None:
    """Queue one record for one integration; later edits coalesce into the waiting row."""
    Change.objects.get_or_create(
        integration_id=integration_id, kind=kind, object_id=object_id, state=Change.State.PENDING
    )
    if drain:
        transaction.on_commit(lambda: _schedule_drains([integration_id]))


def _schedule_drains(integration_ids: list[int]) -> None:
    from .tasks import drain_integration  # the engine's task; imported late to keep apps light

    for integration_id in integration_ids:
        drain_integration.delay(integration_id)
