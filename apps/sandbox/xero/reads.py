"""Reading records: GET lists with If-Modified-Since, where, IDs, order and page, and GET by id.

Filters the database can answer exactly (dates, ids, statuses and types) are applied, counted,
ordered (by UpdatedDateUTC) and paged there, so only the page is read. Searches by name, e-mail
or number read the few records whose look-up key matches and the filter decides on those; any
other filter is decided record by record.
https://developer.xero.com/documentation/api/accounting/requests-and-responses
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import entities
from .contacts import contacts_read_ahead
from .formats import is_guid, truncate_ms
from .kinds import Kind
from .quotes import quote_filtered, quote_params_refused, quote_wanted
from .where import QueryError, Rows, compile_where

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# GET /Invoices/INV-0001 and GET /Contacts/<ContactNumber> work as well as by id.
_SECOND_KEYS = {
    entities.CONTACTS: "ContactNumber",
    entities.INVOICES: "InvoiceNumber",
    entities.QUOTES: "QuoteNumber",
    entities.CREDIT_NOTES: "CreditNoteNumber",
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
_SEARCHED += ("QuoteNumber", "CreditNoteNumber", "Reference", "Code")
# The order the database gives: UpdatedDateUTC, the order Xero lists records in by default.
_STORED_ORDER = "UpdatedDateUTC"


def read_one(company: SandboxCompany, kind: Kind, key: str) -> SandboxRecord | None:
    record = entities.get(company, kind.entity, key)
    if record is None and kind.entity in _SECOND_KEYS and not is_guid(key):
        record = entities.find_by(company, kind.entity, _SECOND_KEYS[kind.entity], key)
    return record


def read_list(
    company: SandboxCompany, kind: Kind, params: QueryDict, since: datetime | None
) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
    """The records asked for, presented, and the ``pagination`` block when a page was asked.
    Raises ``QueryError`` for a filter that does not parse or a parameter Xero does not take."""
    if kind.entity == entities.QUOTES:
        refused = quote_params_refused(params)
        if refused:
            raise QueryError(refused)
    rows, pagination = _read_list(company, kind, params, since)
    if kind.entity in (entities.INVOICES, entities.CREDIT_NOTES) and pagination is None:
        # "page=1 – Up to 100 invoices will be returned in a single API call with line items
        # shown for each invoice" (getInvoices in xero_accounting.yaml): without a page, or by
        # id (GET /Invoices/{id}), Xero lists invoices with an empty LineItems array
        # (XeroAPI/xero-ruby#9, a Xero engineer: "it will return empty array as line items").
        # getCreditNotes documents page=1 in the same words for credit notes.
        rows = [{**row, "LineItems": []} for row in rows]
    return rows, pagination


def _read_list(
    company: SandboxCompany, kind: Kind, params: QueryDict, since: datetime | None
) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
    rows = store.records(company, kind.entity).order_by("updated_at", "pk")
    if since is not None:
        # Clients see times to the millisecond; "since" means after that millisecond.
        rows = rows.filter(updated_at__gte=truncate_ms(since) + timedelta(milliseconds=1))
    ids = [value.strip().lower() for value in params.get("IDs", "").split(",") if value.strip()]
    if ids:
        rows = rows.filter(record_id__in=ids)
    where = params.get("where", "").strip()
    predicate = compile_where(where, partial(_equal_rows, kind)) if where else None
    chosen_rows = _chosen_rows(kind, params) & (predicate.rows if predicate else Rows(exact=True))
    if chosen_rows.q is not None:
        rows = rows.filter(chosen_rows.q)
    order = _order(params.get("order", ""))
    if chosen_rows.exact and (order is None or order[0] == _STORED_ORDER):
        return _read_in_database(company, kind, rows, params, order)
    presented = present_rows(company, kind, rows)
    chosen = [row for row in presented if _wanted(kind, row, params, predicate)]
    chosen = _ordered(chosen, order)
    if not params.get("page"):
        return chosen, None
    return _page(chosen, params)


def present_rows(
    company: SandboxCompany, kind: Kind, rows: QuerySet | list[SandboxRecord]
) -> list[dict[str, Any]]:
    """The records as the API shows them, their contacts read in one query."""
    records = list(rows)
    contact_ids = [_contact_id(record.data) for record in records]
    with contacts_read_ahead(company, contact_ids):
        return [kind.present(company, record) for record in records]


def _contact_id(data: dict[str, Any]) -> Any:
    # Invoices and quotes name their contact; a payment names its invoice's (or credit note's).
    holder = data if "Contact" in data else data.get("Invoice") or data.get("CreditNote") or {}
    return (holder.get("Contact") or {}).get("ContactID")


def _read_in_database(
    company: SandboxCompany,
    kind: Kind,
    rows: QuerySet,
    params: QueryDict,
    order: tuple[str, bool] | None,
) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
    if order is not None and order[1]:
        rows = rows.order_by("-updated_at", "pk")
    if not params.get("page"):
        return present_rows(company, kind, rows), None
    page, size = _page_asked(params)
    count = rows.count()
    start = (page - 1) * size
    return present_rows(company, kind, rows[start : start + size]), _pagination(page, size, count)


def _equal_rows(kind: Kind, path: list[str] | tuple[str, ...], operator: str, literal: Any) -> Rows:
    """The records that may have ``literal`` at ``path`` (text compared without case)."""
    if operator not in ("==", "=") or not isinstance(literal, str):
        return Rows()
    return _equal_to_any(kind, tuple(path), {literal})


def _equal_to_any(kind: Kind, path: tuple[str, ...], values: set[str]) -> Rows:
    allowed = kind.enums.get(path[0]) if len(path) == 1 else None
    if allowed is not None:
        wanted = {value.lower() for value in values}
        chosen = [value for value in allowed if value.lower() in wanted]
        return Rows(Q(**{f"data__{path[0]}__in": chosen}), exact=True)
    return Rows(store.key_filter(kind.entity, path, values))


def _chosen_rows(kind: Kind, params: QueryDict) -> Rows:
    """The database condition of every filter but ``where`` (see ``_wanted``)."""
    rows = Rows(exact=not params.get("searchTerm", "").strip())
    if kind.entity == entities.QUOTES and quote_filtered(params):
        rows &= Rows()  # decided record by record (quote_wanted)
    if kind.entity == entities.CONTACTS and params.get("includeArchived", "").lower() != "true":
        shown = {status for status in kind.enums["ContactStatus"] if status != "ARCHIVED"}
        rows &= _equal_to_any(kind, ("ContactStatus",), shown)
    for name, path in _LIST_FILTERS.items():
        wanted = {v.strip().lower() for v in params.get(name, "").split(",") if v.strip()}
        if wanted:
            rows &= _equal_to_any(kind, path, wanted)
    return rows


def _wanted(kind: Kind, row: dict[str, Any], params: QueryDict, predicate) -> bool:
    if kind.entity == entities.CONTACTS and row.get("ContactStatus") == "ARCHIVED":
        if params.get("includeArchived", "").lower() != "true":
            return False
    for name, path in _LIST_FILTERS.items():
        wanted = {v.strip().lower() for v in params.get(name, "").split(",") if v.strip()}
        if wanted and str(_dig(row, path) or "").lower() not in wanted:
            return False
    if kind.entity == entities.QUOTES and not quote_wanted(row, params):
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


def _order(order: str) -> tuple[str, bool] | None:
    """``order=Name`` / ``order=Name DESC``: one field, as most clients use it; (field,
    descending), or None when no order is asked."""
    words = order.split()
    if not words:
        return None
    if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
        raise QueryError(f"Cannot order by '{order}'")
    return words[0], len(words) == 2 and words[1].upper() == "DESC"


def _ordered(rows: list[dict[str, Any]], order: tuple[str, bool] | None) -> list[dict[str, Any]]:
    if order is None:
        return rows
    field, descending = order
    return sorted(rows, key=lambda row: _sort_key(row.get(field)), reverse=descending)


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value or "").lower())


def _page(
    rows: list[dict[str, Any]], params: QueryDict
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    page, size = _page_asked(params)
    start = (page - 1) * size
    return rows[start : start + size], _pagination(page, size, len(rows))


def _page_asked(params: QueryDict) -> tuple[int, int]:
    page = _positive(params.get("page"), 1)
    return page, min(_positive(params.get("pageSize"), PAGE_SIZE), MAX_PAGE_SIZE)


def _pagination(page: int, size: int, count: int) -> dict[str, int]:
    return {
        "page": page,
        "pageSize": size,
        "pageCount": math.ceil(count / size),
        "itemCount": count,
    }


def _positive(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return number if number > 0 else default
