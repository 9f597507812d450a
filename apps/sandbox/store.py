"""Record helpers shared by both sandboxes: every write goes through here so versions bump,
times move and webhooks fire the same way from the API and from the console."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import webhooks
from .keys import KEY_COLUMNS, key_column, lookup_key, record_keys
from .models import SandboxCompany, SandboxRecord

# Organisation data an API request reads over and over (a tax code for every line of a batch), kept
# for the rest of that request only: (company pk, entity) -> {key: value}. Every write through
# this module forgets the entity's entries, so a request never sees a stale copy of its own write.
_remembered: ContextVar[dict[tuple[int, str], dict] | None] = ContextVar(
    "sandbox_remembered", default=None
)


@contextmanager
def request_scope() -> Iterator[None]:
    """Let ``remembered`` keep what it reads until the block ends (one API request)."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def remembered(company: SandboxCompany, entity: str, key: Any, produce: Callable[[], Any]) -> Any:
    """``produce()``, read once per request for this company, entity and key; a copy each time,
    so a caller changing what it got changes nothing another caller gets."""
    memo = _remembered.get()
    if memo is None:
        return produce()
    entries = memo.setdefault((company.pk, entity), {})
    if key not in entries:
        entries[key] = produce()
    return copy.deepcopy(entries[key])


def _forget(company_id: int, entity: str) -> None:
    memo = _remembered.get()
    if memo is not None:
        memo.pop((company_id, entity), None)


def next_number(company: SandboxCompany, counter: str, start: int = 1) -> int:
    """Hand out the next value of a per-company counter (record ids, document numbers).

    The company row is locked for the rest of the caller's transaction, so two creates never
    get the same number. On PostgreSQL one statement counts and locks (a batch of 30 invoices
    takes a number for each, and read and rewrote the company row twice a number)."""
    if connection.vendor == "postgresql":
        value = _counted(company.pk, counter, start)
        company.settings.setdefault("counters", {})[counter] = value
        return value
    with transaction.atomic():
        locked = SandboxCompany.objects.select_for_update().get(pk=company.pk)
        counters = locked.settings.setdefault("counters", {})
        value = int(counters.get(counter, start - 1)) + 1
        counters[counter] = value
        locked.save(update_fields=["settings"])
    company.settings = locked.settings
    return value


# The counter's next value, written into the company's settings and returned in one statement.
_COUNT = f"""
UPDATE {SandboxCompany._meta.db_table}
SET settings = settings || jsonb_build_object('counters',
    COALESCE(settings -> 'counters', '{{}}'::jsonb) || jsonb_build_object(
        %(counter)s::text,
        COALESCE((settings -> 'counters' ->> %(counter)s::text)::bigint, %(start)s - 1) + 1))
WHERE id = %(company)s
RETURNING (settings -> 'counters' ->> %(counter)s::text)::bigint
"""


def _counted(company_id: int, counter: str, start: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_COUNT, {"counter": counter, "start": start, "company": company_id})
        return int(cursor.fetchone()[0])


def record_create(
    *,
    company: SandboxCompany,
    entity: str,
    data: dict[str, Any],
    record_id: str | None = None,
    notify: bool = True,
) -> SandboxRecord:
    """Store a new record; without ``record_id`` the next numeric id of that entity is used."""
    if record_id is None:
        record_id = str(next_number(company, f"id:{entity}"))
    _forget(company.pk, entity)
    record = SandboxRecord.objects.create(
        company=company,
        entity=entity,
        record_id=record_id,
        data=data,
        version=0,
        updated_at=timezone.now(),
        **record_keys(entity, data),
    )
    if notify:
        webhooks.notify(company, entity, record_id, "Create")
    return record


def records(company: SandboxCompany, entity: str, *, include_deleted: bool = False) -> QuerySet:
    qs = SandboxRecord.objects.filter(company=company, entity=entity)
    if not include_deleted:
        qs = qs.filter(deleted=False)
    return qs


def key_filter(entity: str, path: tuple[str, ...] | list[str], values: Iterable[Any]) -> Q | None:
    """Records whose field at ``path`` may equal one of ``values`` without regard to case (see
    apps.sandbox.keys: the caller still compares exactly); None when no key holds that field."""
    column = key_column(entity, path)
    if column is None:
        return None
    return Q(**{f"{column}__in": sorted({lookup_key(value) for value in values})})


def records_keyed(
    company: SandboxCompany, entity: str, path: tuple[str, ...], value: Any
) -> QuerySet:
    """``records`` whose field at ``path`` may equal ``value`` (its key must be kept)."""
    narrowing = key_filter(entity, path, [value])
    if narrowing is None:
        raise ValueError(f"{entity} keeps no key of {'.'.join(path)}")
    return records(company, entity).filter(narrowing)


def record_get(
    *,
    company: SandboxCompany,
    entity: str,
    record_id: str,
    for_update: bool = False,
    include_deleted: bool = False,
) -> SandboxRecord | None:
    """The record, or None. ``for_update`` locks it until the caller's transaction ends."""
    qs = records(company, entity, include_deleted=include_deleted).filter(record_id=str(record_id))
    if for_update:
        qs = qs.select_for_update()
    # At most one row (sandbox_record_unique). Not first(): its ORDER BY pk LIMIT 1 lets
    # PostgreSQL walk the primary key through every record of a large company instead.
    record = next(iter(qs), None)
    if record is not None:
        record.company = company  # the caller's own: saving it need not read the company again
    return record


def record_save(
    *,
    record: SandboxRecord,
    data: dict[str, Any] | None = None,
    operation: str = "Update",
    notify: bool = True,
) -> SandboxRecord:
    """Save a changed record: the version (QBO SyncToken) goes up by one, ``updated_at`` moves."""
    if data is not None:
        record.data = data
    record.version += 1
    record.updated_at = timezone.now()
    for column, value in record_keys(record.entity, record.data).items():
        setattr(record, column, value)
    _forget(record.company_id, record.entity)
    record.save(update_fields=["data", "version", "updated_at", "deleted", *KEY_COLUMNS])
    if notify:
        webhooks.notify(record.company, record.entity, record.record_id, operation)
    return record


def record_delete(*, record: SandboxRecord, notify: bool = True) -> SandboxRecord:
    """Mark a record deleted; it stays for change data capture."""
    record.deleted = True
    return record_save(record=record, operation="Delete", notify=notify)


def records_changed_since(
    *, company: SandboxCompany, entities: Iterable[str], since: datetime
) -> QuerySet:
    """Records of these entities changed (or deleted) after ``since``, oldest change first."""
    return SandboxRecord.objects.filter(
        company=company, entity__in=list(entities), updated_at__gt=since
    ).order_by("updated_at", "pk")
