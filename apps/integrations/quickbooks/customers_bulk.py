"""A page of customers at once, for the nightly batch export (apps.sync.nightly_customers):
matched with two queries (e-mail, then display name, as ``IN`` lists sent in the POST body)
and created through ``/batch``, 30 per request, instead of two or three requests per customer.

Anything unusual goes back to the adapter's one-by-one path, which knows the hard cases: an
update of a matched customer (SyncToken), and a display name refused as taken (6240).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from apps.sync.adapters import Pushed
from apps.sync.errors import PermanentError, SyncError

from . import limits, mapping
from .client import DUPLICATE_NAME, QboFault, fault_error

# Values per IN list: the query travels in the request body, so this only bounds the answer.
QUERY_CHUNK = 500


def _pushed(row: dict) -> Pushed:
    return Pushed(
        remote_id=str(row["Id"]),
        remote_version=mapping.version_of(row, "Customer"),
        remote_name=str(row.get("DisplayName", "")),
    )


def _rows_where(adapter, field: str, values: list[str]) -> list[dict]:
    rows: list[dict] = []
    for start in range(0, len(values), QUERY_CHUNK):
        chunk = ", ".join(mapping.query_literal(v) for v in values[start : start + QUERY_CHUNK])
        rows += adapter.client.query(
            f"select * from Customer where {field} in ({chunk}) maxresults 1000"
        )
    return rows


def find_customers(adapter, customers: Sequence) -> dict[int, Pushed]:
    """The QuickBooks customer of each hub customer that has one: by e-mail, then display name."""
    found: dict[int, Pushed] = {}
    by_email: dict[str, list] = {}
    for customer in customers:
        if customer.email:
            by_email.setdefault(customer.email.lower(), []).append(customer)
    for row in _rows_where(adapter, "PrimaryEmailAddr", sorted(by_email)):
        email = ((row.get("PrimaryEmailAddr") or {}).get("Address") or "").lower()
        for customer in by_email.get(email, []):
            found.setdefault(customer.pk, _pushed(row))
    by_name: dict[str, list] = {}
    for customer in customers:
        if customer.pk not in found:
            name = mapping.clean_display_name(customer.display_name)
            by_name.setdefault(name, []).append(customer)
    for row in _rows_where(adapter, "DisplayName", sorted(n for n in by_name if n)):
        for customer in by_name.get(str(row.get("DisplayName", "")), []):
            found.setdefault(customer.pk, _pushed(row))
    return found


def push_customers_batch(adapter, items: Sequence) -> list[Pushed | Exception]:
    """(customer, remote id or None, key) per item; one result per item, in order."""
    results: list[Pushed | Exception | None] = [None] * len(items)
    for start in range(0, len(items), limits.BATCH_SIZE):
        chunk = range(start, min(len(items), start + limits.BATCH_SIZE))
        _chunk(adapter, items, chunk, results)
    return [r if r is not None else PermanentError("QuickBooks skipped it.") for r in results]


def _one(adapter, customer, remote_id: str | None, key: str) -> Pushed | Exception:
    try:
        return adapter.push_customer(customer, remote_id, key=key)
    except SyncError as exc:
        return exc


def _chunk(adapter, items: Sequence, indexes: range, results: list) -> None:
    requests = []
    for index in indexes:
        customer, remote_id, key = items[index]
        if remote_id is not None:
            results[index] = _one(adapter, customer, remote_id, key)
            continue
        try:
            body = mapping.customer_to_qbo(customer)
        except SyncError as exc:
            results[index] = exc
            continue
        requests.append({"bId": str(index), "operation": "create", "Customer": body})
    if not requests:
        return
    keys = "|".join(items[int(r["bId"])][2] for r in requests)
    answers = adapter.client.batch(requests, key="cb-" + hashlib.sha256(keys.encode()).hexdigest())
    for answer in answers:
        index = int(answer.get("bId", -1))
        results[index] = _answer(adapter, answer, items[index])


def _answer(adapter, answer: dict, item) -> Pushed | Exception:
    fault = answer.get("Fault")
    if not fault:
        try:
            return _pushed(answer["Customer"])
        except (KeyError, TypeError, SyncError):
            return PermanentError("QuickBooks answered the batch without the customer.")
    error = (fault.get("Error") or [{}])[0]
    exc = fault_error(
        error.get("Message", "Refused"), error.get("Detail", ""), error.get("code", "")
    )
    if isinstance(exc, QboFault) and exc.code == DUPLICATE_NAME:
        customer, remote_id, key = item
        return _one(adapter, customer, remote_id, key)  # created under a distinguishable name
    return exc
