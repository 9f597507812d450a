"""Reading QBO records: rendering as QBO JSON, following references, money and dates."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import faults

CENT = Decimal("0.01")


def money(value: Decimal | int | float | str) -> float:
    """Round half up to the cent, as QBO does, and answer a JSON number."""
    return float(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP))


def dec(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    return Decimal(str(value))


def qbo_datetime(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def today() -> date:
    return timezone.localdate()


def render(record: SandboxRecord) -> dict[str, Any]:
    """The record as QBO answers it; keys starting with "_" are the sandbox's own bookkeeping."""
    meta = {
        "CreateTime": qbo_datetime(record.created_at),
        "LastUpdatedTime": qbo_datetime(record.updated_at),
    }
    if record.deleted:
        return {"Id": record.record_id, "status": "Deleted", "domain": "QBO", "MetaData": meta}
    data = {key: value for key, value in record.data.items() if not key.startswith("_")}
    return {
        **data,
        "domain": "QBO",
        "sparse": False,
        "Id": record.record_id,
        "SyncToken": str(record.version),
        "MetaData": meta,
    }


# Records created earlier in the batch being run: QBO's later batch items do not see them.
batch_created: ContextVar[frozenset[tuple[str, str]]] = ContextVar(
    "batch_created", default=frozenset()
)


def find(company: SandboxCompany, entity: str, record_id: Any, *, for_update: bool = False):
    if (entity, str(record_id)) in batch_created.get():
        return None
    return store.record_get(
        company=company, entity=entity, record_id=str(record_id), for_update=for_update
    )


def follow(company: SandboxCompany, entity: str, ref: dict | None, field: str) -> SandboxRecord:
    """The record a reference points at; fills in its ``name`` as QBO does. 2500 when missing."""
    if not ref:
        raise faults.required(field)
    target = find(company, entity, ref["value"])
    if target is None:
        raise faults.invalid_reference(field, ref["value"])
    name = target.data.get("DisplayName") or target.data.get("Name")
    if name:
        ref["name"] = name
    return target


def by_name(company: SandboxCompany, entity: str, name: str) -> SandboxRecord | None:
    """The item or account called exactly ``name``."""
    for record in store.records_keyed(company, entity, ("Name",), name).order_by("pk"):
        if record.data.get("Name") == name:
            return record
    return None
