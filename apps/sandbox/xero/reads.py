"""Reading records: GET lists with If-Modified-Since, where, IDs, order and page, and GET by id.

https://developer.xero.com/documentation/api/accounting/requests-and-responses
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.http import QueryDict

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import entities
from .formats import is_guid, truncate_ms
from .kinds import Kind
from .where import QueryError, compile_where

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# GET /Invoices/INV-0001 and GET /Contacts/<ContactNumber> work as well as by id.
_SECOND_KEYS = {
    entities.CONTACTS: "ContactNumber",
    entities.INVOICES: "InvoiceNumber",
    entities.QUOTES: "QuoteNumber",
    entities.ITEMS: "Code",
    entities.ACCOUNTS: "Code",
}
# Query parameters naming a list of values of one field, e.g. ?Statuses=DRAFT,AUTHORISED.
_LIST_FILTERS = {
    "Statuses": ("Status",),
    "InvoiceNumbers": ("InvoiceNumber",),
    "ContactIDs": ("Contact", "ContactID"),
    "QuoteNumber": ("QuoteNumber",),
    "Status": ("Status",),
}
_SEARCHED = ("Name", "FirstName", "LastName", "EmailAddress", "ContactNumber", "InvoiceNumber")
_SEARCHED += ("QuoteNumber", "Reference", "Code")


def read_one(company: SandboxCompany, kind: Kind, key: str) -> SandboxRecord | None:
    record = entities.get(company, kind.entity, key)
    if record is None and kind.entity in _SECOND_KEYS and not is_guid(key):
        record = entities.find_by(company, kind.entity, _SECOND_KEYS[kind.entity], key)
    return record


def read_list(
    company: SandboxCompany, kind: Kind, params: QueryDict, since: datetime | None
) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
    """The records asked for, presented, and the ``pagination`` block when a page was asked.
    Raises ``QueryError`` for a filter that does not parse."""
    rows = store.records(company, kind.entity).order_by("updated_at", "pk")
    if since is not None:
        # Clients see times to the millisecond; "since" means after that millisecond.
        rows = rows.filter(updated_at__gte=truncate_ms(since) + timedelta(milliseconds=1))
    ids = [value.strip().lower() for value in params.get("IDs", "").split(",") if value.strip()]
    if ids:
        rows = rows.filter(record_id__in=ids)
    predicate = compile_where(params["where"]) if params.get("where", "").strip() else None
    presented = [kind.present(company, row) for row in rows]
    chosen = [row for row in presented if _wanted(kind, row, params, predicate)]
    chosen = _ordered(chosen, params.get("order", ""))
    if not params.get("page"):
        return chosen, None
    return _page(chosen, params)


def _wanted(kind: Kind, row: dict[str, Any], params: QueryDict, predicate) -> bool:
    if kind.entity == entities.CONTACTS and row.get("ContactStatus") == "ARCHIVED":
        if params.get("includeArchived", "").lower() != "true":
            return False
    for name, path in _LIST_FILTERS.items():
        wanted = {v.strip().lower() for v in params.get(name, "").split(",") if v.strip()}
        if wanted and str(_dig(row, path) or "").lower() not in wanted:
            return False
    term = params.get("searchTerm", "").strip().lower()
    if term and not any(term in str(row.get(field, "")).lower() for field in _SEARCHED):
        return False
    return predicate is None or predicate(row)


def _dig(row: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = row
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    return value


def _ordered(rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """``order=Name`` / ``order=Name DESC``: one field, as most clients use it."""
    words = order.split()
    if not words:
        return rows
    if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
        raise QueryError(f"Cannot order by '{order}'")
    field, descending = words[0], len(words) == 2 and words[1].upper() == "DESC"
    return sorted(rows, key=lambda row: _sort_key(row.get(field)), reverse=descending)


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value or "").lower())


def _page(
    rows: list[dict[str, Any]], params: QueryDict
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    page = _positive(params.get("page"), 1)
    size = min(_positive(params.get("pageSize"), PAGE_SIZE), MAX_PAGE_SIZE)
    start = (page - 1) * size
    pagination = {
        "page": page,
        "pageSize": size,
        "pageCount": math.ceil(len(rows) / size),
        "itemCount": len(rows),
    }
    return rows[start : start + size], pagination


def _positive(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return number if number > 0 else default
