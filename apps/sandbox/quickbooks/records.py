"""Reading QBO records: rendering as QBO JSON, following references, money and dates."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

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


# QBO stamps MetaData and change data capture in the company's own time zone, with its offset
# ("2015-07-24T10:33:39-07:00"); Intuit's US sample companies are on Pacific time.
# https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture
# (see docs/sandbox-quickbooks.md, "Times").
COUNTRY_ZONES = {
    "US": "America/Los_Angeles",
    "CA": "America/Toronto",
    "GB": "Europe/London",
    "AU": "Australia/Sydney",
    "NZ": "Pacific/Auckland",
    "IN": "Asia/Kolkata",
}
PACIFIC = "America/Los_Angeles"


def company_zone(company: SandboxCompany) -> tzinfo:
    return ZoneInfo(COUNTRY_ZONES.get(company.country, PACIFIC))


def qbo_datetime(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def today() -> date:
    return timezone.localdate()


def render(record: SandboxRecord, zone: tzinfo) -> dict[str, Any]:
    """The record as QBO answers it, its times in the company's ``zone``; keys starting with
    "_" are the sandbox's own bookkeeping."""
    meta = {
        "CreateTime": qbo_datetime(record.created_at, zone),
        "LastUpdatedTime": qbo_datetime(record.updated_at, zone),
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


def find_listed(company: SandboxCompany, entity: str, record_id: Any):
    """``find`` for organisation lists a request reads once per line (tax codes and rates): read
    once per request (apps.sandbox.store.remembered)."""
    if (entity, str(record_id)) in batch_created.get():
        return None
    return store.remembered(
        company,
        entity,
        str(record_id),
        lambda: store.record_get(company=company, entity=entity, record_id=str(record_id)),
    )


def follow(
    company: SandboxCompany, entity: str, ref: dict | None, field: str, *, listed: bool = False
) -> SandboxRecord:
    """The record a reference points at; fills in its ``name`` as QBO does. 2500 when missing.
    ``listed``: an organisation list's record (an item), read once per request (``find_listed``)."""
    if not ref:
        raise faults.required(field)
    target = (find_listed if listed else find)(company, entity, ref["value"])
    if target is None:
        raise faults.invalid_reference(field, ref["value"])
    if target.data.get("Active") is False:
        raise faults.inactive_reference(entity, target.record_id, field)
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
