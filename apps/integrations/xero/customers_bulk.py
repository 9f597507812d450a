"""A page of customers at once, for the nightly batch export (apps.sync.nightly_customers):
matched against the tenant's contacts read once per export (pages of 1,000), and created with
one PUT per 50 contacts (``summarizeErrors=false``), instead of two or three requests each.

Anything unusual goes back to the adapter's one-by-one path: an update of a matched contact,
and a name Xero refuses as already assigned to another contact.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Sequence

from apps.sync.adapters import Pushed
from apps.sync.errors import PermanentError, SyncError

from . import limits, mapping

DUPLICATE_NAME = "is already assigned to another contact"
CONTACTS_PAGE = 1000

# The tenant's contacts as this export has seen them, per adapter (one adapter per run).
_seen: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _key_of_name(name: str) -> str:
    return " ".join(str(name).split()).lower()


def _pushed(row: dict) -> Pushed:
    return Pushed(
        remote_id=mapping.required(row, "ContactID", "customer"),
        remote_version=mapping.version_of(row, "customer"),
        remote_name=str(row.get("Name", "")),
    )


def _remember(index: dict, row: dict) -> None:
    email = str(row.get("EmailAddress") or "").lower()
    if email:
        index["email"].setdefault(email, row)
    index["name"].setdefault(_key_of_name(row.get("Name", "")), row)


def _contacts(adapter) -> dict:
    if adapter not in _seen:
        index: dict = {"email": {}, "name": {}}
        page = 1
        while True:
            rows = adapter.client.get_list(
                "Contacts", {"page": str(page), "pageSize": str(CONTACTS_PAGE)}
            )
            for row in rows:
                _remember(index, row)
            if len(rows) < CONTACTS_PAGE:
                break
            page += 1
        _seen[adapter] = index
    return _seen[adapter]


def find_customers(adapter, customers: Sequence) -> dict[int, Pushed]:
    """The Xero contact of each hub customer that has one: by e-mail, then name."""
    index = _contacts(adapter)
    found: dict[int, Pushed] = {}
    for customer in customers:
        row = index["email"].get(customer.email.lower()) if customer.email else None
        row = row or index["name"].get(_key_of_name(customer.display_name))
        if row is not None:
            found[customer.pk] = _pushed(row)
    return found


def push_customers_batch(adapter, items: Sequence) -> list[Pushed | Exception]:
    """(customer, remote id or None, key) per item; one result per item, in order."""
    results: list[Pushed | Exception | None] = [None] * len(items)
    size = limits.ELEMENTS_PER_REQUEST
    for start in range(0, len(items), size):
        _chunk(adapter, items, range(start, min(len(items), start + size)), results)
    return [r if r is not None else PermanentError("Xero skipped it.") for r in results]


def _one(adapter, customer, remote_id: str | None, key: str) -> Pushed | Exception:
    try:
        return adapter.push_customer(customer, remote_id, key=key)
    except SyncError as exc:
        return exc


def _chunk(adapter, items: Sequence, indexes: range, results: list) -> None:
    creates: list[tuple[int, dict]] = []
    for index in indexes:
        customer, remote_id, key = items[index]
        if remote_id is not None:
            results[index] = _one(adapter, customer, remote_id, key)
            continue
        try:
            creates.append((index, mapping.contact_to_xero(customer)))
        except SyncError as exc:
            results[index] = exc
    if not creates:
        return
    keys = "|".join(items[index][2] for index, _ in creates)
    answers = adapter.client.write_many(
        "PUT",
        "Contacts",
        [body for _, body in creates],
        key="cb-" + hashlib.sha256(keys.encode()).hexdigest(),
    )
    for (index, _), answer in zip(creates, answers, strict=False):
        results[index] = _answer(adapter, answer, items[index])


def _answer(adapter, answer: dict, item) -> Pushed | Exception:
    if answer.get("HasValidationErrors") or answer.get("ValidationErrors"):
        message = mapping.validation_messages(answer)
        if DUPLICATE_NAME in message:
            customer, remote_id, key = item
            return _one(adapter, customer, remote_id, key)  # under a distinguishable name
        return PermanentError(f"Xero refused it: {message}")
    try:
        pushed = _pushed(answer)
    except SyncError as exc:
        return exc
    if adapter in _seen:
        _remember(_seen[adapter], answer)
    return pushed
