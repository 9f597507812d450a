"""Many records per request (the nightly export, docs/sync-rules.md, "Timing"):
Xero takes up to 50 elements in
one PUT (create) or POST (update) and, with ``summarizeErrors=false``, answers each on its own.

Before creating, records an earlier attempt already made are looked up (invoices by number and
contact) and updated instead; creates carry an Idempotency-Key made from their items' keys, so
a retry of the very same request is answered from the first attempt. A contact refused for a
duplicate name is sent again on its own, where the adapter gives it a distinguishable name.
https://developer.xero.com/documentation/api/accounting/requests-and-responses#summarize-errors
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from urllib.parse import quote

from apps.customers.matching import normalise_email
from apps.integrations.contract import (
    NewCustomer,
    PermanentError,
    Pushed,
    RemoteDocument,
    SyncError,
)
from apps.integrations.directory import LazyDirectory, may_be_same_person
from apps.integrations.wire import bodies, call_back, chunks, malformed_is_transient

from . import limits, mapping
from .client import XeroClient, XeroValidation

_guarded = malformed_is_transient("Xero")

DUPLICATE_NAME = "is already assigned to another contact"
# A lookup's values, URL-encoded, stay below this many characters: request lines past 4 KB are
# refused by common servers (gunicorn's default limit is 4,094).
LOOKUP_URL_BUDGET = 3500
# OR-ed terms in one ``where`` filter.
WHERE_TERMS = 50
# Contacts per request when the whole list is read (``pageSize``, at most 1,000).
DIRECTORY_PAGE_SIZE = 1000


def lookup_groups(values: Sequence[str], *, joiner: str, most: int) -> Iterator[list[str]]:
    """``values`` in groups that each fit one request's URL."""
    group: list[str] = []
    size = 0
    for value in values:
        cost = len(quote(value + joiner, safe=""))
        if group and (len(group) == most or size + cost > LOOKUP_URL_BUDGET):
            yield group
            group, size = [], 0
        group.append(value)
        size += cost
    if group:
        yield group


def _contact_name(customer) -> str:
    return " ".join(customer.display_name.split())


def _same_contact(wanted: str | NewCustomer | None, contact: dict) -> bool:
    """Whether an invoice found by number belongs to the contact the item names (a contact to
    be created with it is known by its name only)."""
    if isinstance(wanted, NewCustomer):
        return str(contact.get("Name") or "").lower() == _contact_name(wanted.customer).lower()
    return wanted is not None and wanted == contact.get("ContactID")


def pushed(data: dict, kind: str, name: str = "") -> Pushed:
    _, id_field = mapping.COLLECTION[kind]
    return Pushed(
        remote_id=mapping.required(data, id_field, kind),
        remote_version=mapping.version_of(data, kind),
        remote_name=name,
        document=_exchanged(data, kind),
    )


def _exchanged(data: dict, kind: str) -> RemoteDocument | None:
    """An invoice or quote Xero answered a write with, read as a pull would read it: what was
    last exchanged (None for other kinds, or an answer too thin to read)."""
    if kind not in ("invoice", "quote"):
        return None
    try:
        return mapping.document_from_xero(data, kind)
    except SyncError:
        return None


class BatchSender:
    """Many invoices or contacts per request, for ``XeroAdapter``. Given the adapter's client,
    its document mapper (``document_body(document, kind, contact id)``) and its one-contact
    push (for a contact refused as a duplicate name, which it resolves)."""

    def __init__(
        self,
        client: XeroClient,
        *,
        document_body: Callable[..., dict],
        push_customer: Callable[..., Pushed],
    ) -> None:
        self.client = client
        self._document_body = call_back(document_body)
        self._push_customer = call_back(push_customer)

    # --- invoices -------------------------------------------------------------------------
    @_guarded
    def push_invoices_batch(self, items, *, unsent=frozenset()) -> list[Pushed | Exception]:
        # The lookup covers the whole call (as few requests as the URL allows), not one per
        # request of 50: the export hands over a page of up to 300 invoices.
        try:
            existing = self._already_created(items, unsent)
        except SyncError as exc:
            return [exc] * len(items)

        def body_of(item) -> dict:
            invoice, remote_id, contact, _ = item
            if isinstance(contact, NewCustomer):
                body = self._document_body(invoice, "invoice", "")
                body["Contact"] = mapping.contact_to_xero(contact.customer)
            else:
                body = self._document_body(invoice, "invoice", contact)
            target = remote_id or existing.get(invoice.number)
            return {**body, "InvoiceID": target} if target else body

        results: list[Pushed | Exception] = []
        for chunk in chunks(items, limits.ELEMENTS_PER_REQUEST):
            results.extend(
                self._run_batch("invoice", chunk, body_of, lambda item, data: item[0].number)
            )
        return results

    def _already_created(self, items, unsent: frozenset[str]) -> dict[str, str]:
        """InvoiceIDs, by number, of invoices an earlier attempt created for the same contact
        (not looked for when the key is in ``unsent``)."""
        numbers = {
            inv.number: contact
            for inv, remote_id, contact, key in items
            if not remote_id and key not in unsent
        }
        found: dict[str, str] = {}
        for group in lookup_groups(sorted(numbers), joiner=",", most=len(numbers)):
            rows = self.client.get_list("Invoices", {"InvoiceNumbers": ",".join(group)})
            found |= {
                row["InvoiceNumber"]: row["InvoiceID"]
                for row in rows
                if row.get("Status") not in ("DELETED", "VOIDED")
                and _same_contact(numbers.get(row.get("InvoiceNumber")), row.get("Contact") or {})
            }
        return found

    # --- contacts -------------------------------------------------------------------------
    @_guarded
    def find_customers(self, customers) -> dict[int, Pushed]:
        """``find_customer`` for many: from the tenant's whole contact list when reading it
        takes no more requests than the look-ups would (OR-ed e-mails, then OR-ed names, up to
        50 per request), otherwise by those look-ups."""
        whole = self._directory.find(customers, name_of=_contact_name, per_look_up=WHERE_TERMS)
        if whole is not None:
            return whole
        found: dict[int, Pushed] = {}
        self._find_by(found, [c for c in customers if c.email], "EmailAddress", lambda c: c.email)
        rest = [c for c in customers if c.pk not in found]
        self._find_by(found, rest, "Name", _contact_name)
        return found

    @functools.cached_property
    def _directory(self) -> LazyDirectory:
        def read_page(page: int) -> list[dict]:
            params = {"page": page + 1, "pageSize": DIRECTORY_PAGE_SIZE}
            return self.client.get_list("Contacts", params)

        def entry_of(row: dict) -> tuple[str, str, Pushed]:
            name = str(row.get("Name") or "")
            return name, str(row.get("EmailAddress") or ""), pushed(row, "customer", name)

        return LazyDirectory(
            name_key=str.lower,
            page_size=DIRECTORY_PAGE_SIZE,
            read_page=read_page,
            entry_of=entry_of,
        )

    def creates_with_invoice(self, customer) -> bool:
        """Whether ``customer`` can be created inside its invoice (a Contact given by its
        details instead of a ContactID): only when the whole contact list is known and no
        contact has its name, because Xero files such an invoice under any contact of that
        name instead of refusing it."""
        directory = self._directory.loaded
        return directory is not None and not directory.name_taken(_contact_name(customer))

    def _find_by(self, found: dict, customers, field: str, value_of) -> None:
        wanted: dict[str, list] = {}
        for customer in customers:
            wanted.setdefault(value_of(customer), []).append(customer)
        terms = {f"{field}=={mapping.where_literal(v)}": v for v in sorted(wanted)}
        for group in lookup_groups(list(terms), joiner=" OR ", most=WHERE_TERMS):
            rows = self.client.get_list("Contacts", {"where": " OR ".join(group)})
            key = normalise_email if field == "EmailAddress" else str.lower
            by_value = {key(str(r.get(field) or "")): r for r in rows}
            for customer in (c for term in group for c in wanted[terms[term]]):
                row = by_value.get(key(value_of(customer)))
                email = str((row or {}).get("EmailAddress") or "")
                if row is not None and may_be_same_person(email, customer.email):
                    found[customer.pk] = pushed(row, "customer", row.get("Name", ""))

    @_guarded
    def push_customers_batch(self, items) -> list[Pushed | Exception]:
        """(customer, remote_id, key) per item: creates and updates, 50 per request."""

        def body_of(item) -> dict:
            customer, remote_id, _ = item
            body = mapping.contact_to_xero(customer)
            return {**body, "ContactID": remote_id} if remote_id else body

        results: list[Pushed | Exception] = []
        for chunk in chunks(items, limits.ELEMENTS_PER_REQUEST):
            results.extend(
                self._run_batch("customer", chunk, body_of, lambda item, data: data.get("Name", ""))
            )
        self._directory.remember(items, results, _contact_name)
        return results

    # --- one request per operation ----------------------------------------------------------
    def _run_batch(
        self, kind: str, chunk: Sequence, body_of: Callable, name_of: Callable
    ) -> list[Pushed | Exception]:
        collection, id_field = mapping.COLLECTION[kind]
        results, built = bodies(chunk, body_of)
        creates = [(index, body) for index, body in built if not body.get(id_field)]
        updates = [(index, body) for index, body in built if body.get(id_field)]
        for method, group in (("PUT", creates), ("POST", updates)):
            if not group:
                continue
            key = None
            if method == "PUT":
                keys = "|".join(str(chunk[index][-1]) for index, _ in group)
                key = f"batch-{collection}-" + hashlib.sha256(keys.encode()).hexdigest()
            try:
                answers = self.client.write_many(method, collection, [b for _, b in group], key=key)
            except SyncError as exc:
                for index, _ in group:
                    results[index] = exc
                continue
            for (index, _), answer in zip(group, answers, strict=False):
                results[index] = self._element_result(kind, answer, chunk[index], name_of)
        skipped = PermanentError("Xero did not answer for it in the batch.")
        return [r if r is not None else skipped for r in results]

    def _element_result(self, kind: str, answer: dict, item, name_of) -> Pushed | Exception:
        if answer.get("HasErrors") or answer.get("ValidationErrors"):
            refused = XeroValidation([mapping.validation_messages(answer)])
            if kind == "customer" and DUPLICATE_NAME in refused.message:
                customer, remote_id, key = item
                try:
                    return self._push_customer(customer, remote_id, key=key)
                except SyncError as again:
                    return again
            return refused
        try:
            result = pushed(answer, kind, name_of(item, answer))
            if kind == "invoice" and isinstance(item[2], NewCustomer):
                result = replace(result, customer=self._contact_made(item[2], answer))
            return result
        except SyncError as exc:
            return exc

    def _contact_made(self, new: NewCustomer, invoice: dict) -> Pushed:
        """Where the contact given by its details inside ``invoice`` now lives."""
        contact = invoice.get("Contact") or {}
        made = Pushed(
            remote_id=mapping.required(contact, "ContactID", "contact"),
            # The invoice's answer may leave the contact's version out: a later pull then
            # reads the contact once and finds nothing to change.
            remote_version=str(contact.get("UpdatedDateUTC") or ""),
            remote_name=str(contact.get("Name") or ""),
        )
        self._directory.remember([(new.customer,)], [made], _contact_name)
        return made
