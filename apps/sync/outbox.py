"""The outbox's bookkeeping: per-integration claims, taking due rows, backoff and the sweep.

Only one worker drains (or pulls) one integration at a time. The claim is a conditional UPDATE on
the integration's SyncState row, checked by its row count, never a held database lock: a worker
killed with SIGKILL leaves a claim that expires after ``SYNC_CLAIM_TIMEOUT_SECONDS``, and whoever
claims next re-queues the rows the dead worker had taken. A drain or pull asked for while the claim
is held is run right after it (coalesced). The reasons, in docs/outbox.md.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Change, SyncState

# Items before the documents whose lines use them; time entries after their customer and item.
# Credit notes after their invoice and its payments, refunds after what they pay back.
KIND_ORDER = {
    "customer": 0,
    "item": 1,
    "quote": 2,
    "invoice": 3,
    "payment": 4,
    "credit_note": 5,
    "refund": 6,
    "time_entry": 7,
    # Stripe payouts after the payments they carry (docs/payouts.md).
    "payout": 8,
}


def claim_timeout() -> timedelta:
    return timedelta(seconds=settings.SYNC_CLAIM_TIMEOUT_SECONDS)


def state_for(integration_id: int) -> SyncState:
    state, _ = SyncState.objects.get_or_create(integration_id=integration_id)
    return state


def claim(integration_id: int, what: str) -> str | None:
    """Claim the integration's ``what`` ("drain" or "pull"); the token, or None when another
    worker holds a claim that has not expired. A refused claim asks the holder to run once more
    when it is done (``release``), so the request is coalesced with the running one, not lost."""
    # Each round either claims or leaves the request with the holder; a round misses both only
    # when the holder released between the two statements (or the integration has no state row
    # yet: made then), so the next round claims. Giving up after a few rounds would drop the
    # request with nobody to run it.
    made = False
    while True:
        token = secrets.token_hex(8)
        now = timezone.now()
        free = Q(**{f"{what}_claimed_at__isnull": True}) | Q(
            **{f"{what}_claimed_at__lt": now - claim_timeout()}
        )
        # A fresh holder starts after every request made so far: it serves them all.
        updated = SyncState.objects.filter(free, integration_id=integration_id).update(
            **{f"{what}_token": token, f"{what}_claimed_at": now, f"{what}_again": False}
        )
        if updated == 1:
            return token
        held = Q(**{f"{what}_claimed_at__gte": now - claim_timeout()})
        if SyncState.objects.filter(held, integration_id=integration_id).update(
            **{f"{what}_again": True}
        ):
            return None
        if not made:
            state_for(integration_id)
            made = True
        # Released between the two statements: try to claim it again.


def heartbeat(integration_id: int, what: str, token: str) -> bool:
    """Keep a long drain's claim fresh; False when it was lost (expired and taken over)."""
    return (
        SyncState.objects.filter(integration_id=integration_id, **{f"{what}_token": token}).update(
            **{f"{what}_claimed_at": timezone.now()}
        )
        == 1
    )


def release(integration_id: int, what: str, token: str, *, follow_up: bool = True) -> bool:
    """Let go of the claim. When a drain or pull was asked for meanwhile (``claim`` refused it),
    one is queued to run right after (unless ``follow_up`` is False: the caller queues its own
    next page, which serves it); returns whether it was asked for.

    Two conditional updates, no lock: the first releases only if nobody asked again; if it
    matched nothing, the second releases whatever the flag says (a request coming in between
    finds the claim free and takes it itself)."""
    rows = SyncState.objects.filter(integration_id=integration_id, **{f"{what}_token": token})
    cleared = {f"{what}_token": "", f"{what}_claimed_at": None, f"{what}_again": False}
    if rows.filter(**{f"{what}_again": False}).update(**cleared):
        return False
    if not rows.update(**cleared):
        return False  # the claim had expired and someone else holds it now
    if follow_up:
        transaction.on_commit(lambda: _run_again(integration_id, what))
    return True


def _run_again(integration_id: int, what: str) -> None:
    from . import gather
    from .tasks import drain_integration, pull_integration  # tasks sit above this module

    if what == "drain":
        gather.queue_next(drain_integration, gather.DRAIN, integration_id)  # one queued at a time
    else:
        pull_integration.delay(integration_id)


def requeue(change: Change, **fields) -> bool:
    """Put a taken, abandoned or parked row back in the queue (``fields``: attempts,
    next_attempt_at, last_error ...), if it is still in the state ``change`` was read in.

    If a newer edit already waits for the same record, the older row absorbs it: only one row
    may wait per record, and the older one keeps its id, so the idempotency key of a remote
    create that may already have happened stays the same."""
    values = {"state": Change.State.PENDING, "claimed_at": None, "next_attempt_at": None}
    with transaction.atomic():
        absorbed, _ = (
            Change.objects.filter(
                integration_id=change.integration_id,
                kind=change.kind,
                object_id=change.object_id,
                state=Change.State.PENDING,
            )
            .exclude(pk=change.pk)
            .delete()
        )
        if absorbed:
            values["absorbed_newer"] = True
        # A row read while waiting is only ever requeued after its reader took it.
        taken = change.state in (Change.State.PENDING, Change.State.IN_PROGRESS)
        expected = Change.State.IN_PROGRESS if taken else change.state
        updated = Change.objects.filter(pk=change.pk, state=expected).update(**{**values, **fields})
        if not updated:
            # Someone else moved it on (a drain took it, an edit revived it): leave it be.
            transaction.set_rollback(True)
    return bool(updated)


def requeue_due_failed(integration_id: int | None = None) -> int:
    """Parked (failed) rows whose retry is due go back in the queue: on the integration's next
    sync, and on the sweep's (every integration)."""
    rows = Change.objects.filter(state=Change.State.FAILED, next_attempt_at__lte=timezone.now())
    if integration_id is not None:
        rows = rows.filter(integration_id=integration_id)
    return sum(requeue(change) for change in rows)


def requeue_left_behind(integration_id: int) -> int:
    """``requeue_orphans`` and ``requeue_due_failed`` of the integration whose claim the caller
    holds, read in one query: what a dead drain left in progress, and parked rows now due."""
    rows = Change.objects.filter(integration_id=integration_id).filter(
        Q(state=Change.State.IN_PROGRESS)
        | Q(state=Change.State.FAILED, next_attempt_at__lte=timezone.now())
    )
    return sum(requeue(change) for change in rows)


def requeue_orphans(integration_id: int, *, older_than: datetime | None = None) -> int:
    """Rows left "in progress" by a drain that died. Called by the drain that holds the claim
    (every such row is an orphan then) and by the sweep (only rows whose claim is old)."""
    rows = Change.objects.filter(integration_id=integration_id, state=Change.State.IN_PROGRESS)
    if older_than is not None:
        rows = rows.filter(Q(claimed_at__lt=older_than) | Q(claimed_at__isnull=True))
    orphans = list(rows)
    for change in orphans:
        requeue(change)
    return len(orphans)


def put_back(changes: Sequence[Change], **fields) -> None:
    """Rows taken but not tried (or stopped by the hub's own limiter before any request left):
    waiting again exactly as they were."""
    for change in changes:
        requeue(
            change,
            **{"next_attempt_at": change.next_attempt_at, "sent_at": change.sent_at, **fields},
        )


def _due(integration_id: int, leave_kinds: Sequence[str], only_kinds: Sequence[str]):
    now = timezone.now()
    rows = (
        Change.objects.filter(integration_id=integration_id, state=Change.State.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .exclude(kind__in=leave_kinds)
    )
    return rows.filter(kind__in=only_kinds) if only_kinds else rows


def take_due(
    integration_id: int,
    *,
    limit: int = 100,
    leave_kinds: tuple[str, ...] = (),
    only_kinds: tuple[str, ...] = (),
) -> list[Change]:
    """Mark up to ``limit`` due rows of the integration in progress and return them in the
    order they must go: customers, items, quotes, invoices, payments, time entries; oldest
    first within a kind.
    ``leave_kinds`` stay waiting (invoices of an integration exported nightly); ``only_kinds``,
    when given, are the only ones taken (the nightly export's invoices).

    A row that an edit is merging into right now (``recorder.queue_for`` holds its lock until
    that edit commits) is skipped this time: taking it would read the record before the edit.
    The drain that the edit queues takes it afterwards (docs/outbox.md)."""
    now = timezone.now()
    with transaction.atomic():
        rows = _due(integration_id, leave_kinds, only_kinds)
        due = list(rows.select_for_update(skip_locked=True).order_by("id")[:limit])
        if not due:
            return []
        Change.objects.filter(pk__in=[c.pk for c in due]).update(
            state=Change.State.IN_PROGRESS, claimed_at=now
        )
    for change in due:
        change.state, change.claimed_at = Change.State.IN_PROGRESS, now
    return sorted(due, key=lambda c: (KIND_ORDER.get(c.kind, 9), c.pk))


def due_count(integration_id: int, *, limit: int, leave_kinds: Sequence[str] = ()) -> int:
    """How many rows a drain could take now, counted up to ``limit`` (one indexed query)."""
    return _due(integration_id, leave_kinds, ())[:limit].count()


def has_due(
    integration_id: int, *, leave_kinds: Sequence[str] = (), only_kinds: Sequence[str] = ()
) -> bool:
    """Whether a drain could take a row now. A row an edit is merging into is not counted: the
    drain that edit queues on commit takes it (so nobody spins on it meanwhile)."""
    rows = _due(integration_id, leave_kinds, only_kinds).select_for_update(skip_locked=True)
    with transaction.atomic():
        return bool(list(rows.values_list("pk", flat=True)[:1]))


def mark_sent(change_ids: Sequence[int]) -> None:
    """A request carrying these rows' records is about to leave (``Change.sent_at``): from now
    on a create of them may have happened even if no answer comes back."""
    Change.objects.filter(pk__in=change_ids).update(sent_at=timezone.now())


def idempotency_key(change: Change, kind: str | None = None, object_id: int | None = None) -> str:
    """Key of a remote create made for ``change`` (QBO requestid, Xero Idempotency-Key; ≤ 50
    characters). Stable across retries of the same row, so a create repeated after a crash
    returns the record the first attempt made instead of a second copy
    (docs/sync-rules.md, "Idempotency")."""
    kind = kind or change.kind
    object_id = object_id if object_id is not None else change.object_id
    key = f"ll-{change.integration_id}-{kind}-{object_id}-{change.pk}"
    return key[:50]


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter, never sooner than the provider's Retry-After."""
    base = min(
        settings.SYNC_BACKOFF_BASE_SECONDS * (2 ** max(attempts - 1, 0)),
        settings.SYNC_BACKOFF_MAX_SECONDS,
    )
    delay = base + random.uniform(0, base / 2)
    return max(delay, float(retry_after or 0))


PARKED_FIRST_RETRY = timedelta(minutes=15)
PARKED_MAX_RETRY = timedelta(hours=24)


def parked_retry_at(attempts: int) -> datetime:
    """When a parked (failed) row is tried again by itself: the provider refused it, so not soon,
    and less often each time — but never never: retried on the next sync
    (docs/sync-rules.md, "Retries and parking")."""
    delay = min(PARKED_FIRST_RETRY * (2 ** max(attempts - 1, 0)), PARKED_MAX_RETRY)
    return timezone.now() + delay


def sweep() -> list[int]:
    """Re-queue rows whose claim is stale and parked rows whose retry is due; the integrations
    that have due rows (to drain)."""
    requeue_due_failed()
    stale_before = timezone.now() - claim_timeout()
    stale = Change.objects.filter(state=Change.State.IN_PROGRESS).filter(
        Q(claimed_at__lt=stale_before) | Q(claimed_at__isnull=True)
    )
    # A drain that is alive keeps its claim fresh: its rows are slow, not abandoned.
    draining = set(
        SyncState.objects.filter(drain_claimed_at__gte=stale_before).values_list(
            "integration_id", flat=True
        )
    )
    for integration_id in set(stale.values_list("integration_id", flat=True)) - draining:
        requeue_orphans(integration_id, older_than=stale_before)
    now = timezone.now()
    due = (
        Change.objects.filter(state=Change.State.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("integration_id", flat=True)
        .distinct()
    )
    return sorted(set(due))
