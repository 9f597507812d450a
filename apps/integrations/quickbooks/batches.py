"""Many records per request through QBO's ``/batch`` (the nightly export,
docs/sync-rules.md, "Timing").

A batch holds at most 30 items, each answered on its own; an item does not see records created
earlier in the same batch, and cannot carry a ``requestid``. So before creating, records an
earlier attempt already made are looked up (invoices by DocNumber and customer, customers by
``find_customers``) and updated instead; the batch request itself carries a ``requestid`` made
from its items' keys, so a retry of the very same batch is answered from the first attempt.
Items refused with a stale SyncToken (5010) or a duplicate name (6240) are sent again one by
one, where the adapter resolves both.
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Collection, Sequence

from apps.customers.matching import normalise_email
from apps.integrations.contract import PermanentError, Pushed, SyncError
from apps.integrations.directory import LazyDirectory, may_be_same_person
from apps.integrations.wire import bodies, call_back, chunks, malformed_is_transient

from . import limits, mapping, reading
from .client import DUPLICATE_NAME, STALE_OBJECT, QboFault, QuickBooksClient, fault_error

_guarded = malformed_is_transient("QuickBooks")

RETRY_ONE_BY_ONE = {STALE_OBJECT, DUPLICATE_NAME}
# Customers per request when the whole list is read.
DIRECTORY_PAGE_SIZE = limits.QUERY_PAGE_SIZE


def literals(values: Sequence[str]) -> str:
    return ", ".join(mapping.query_literal(v) for v in values)


class BatchSender:
    """Many invoices or customers per ``/batch`` request, for ``QuickBooksAdapter``. Given the
    adapter's client, its document mapper (``document_body(document, kind, customer id)``), its
    one-record pushes (for items a batch refuses as stale or as a duplicate name, which they
    resolve) and the company's zero-rated tax codes (to read answers as a pull does)."""

    def __init__(
        self,
        client: QuickBooksClient,
        *,
        document_body: Callable[..., dict],
        push_invoice: Callable[..., Pushed],
        push_customer: Callable[..., Pushed],
        zero_rated_codes: Callable[[], Collection[str]],
    ) -> None:
        self.client = client
        self._document_body = call_back(document_body)
        self._push_invoice = call_back(push_invoice)
        self._push_customer = call_back(push_customer)
        self._zero_rated_codes = call_back(zero_rated_codes)

    # --- invoices -------------------------------------------------------------------------
    @_guarded
    def push_invoices_batch(self, items, *, unsent=frozenset()) -> list[Pushed | Exception]:
        # One lookup for the whole call, not one per batch of 30: the export hands over a page
        # of up to 300 invoices, and each lookup request costs as much as a batch.
        try:
            versions = self._invoice_versions(items, unsent)
        except SyncError as exc:
            return [exc] * len(items)
        results: list[Pushed | Exception] = []
        for chunk in chunks(items, limits.BATCH_SIZE):
            results.extend(self._invoice_chunk(chunk, versions))
        return results

    def _invoice_chunk(
        self, chunk, versions: dict[str, tuple[str, str]]
    ) -> list[Pushed | Exception]:
        def body_of(item) -> dict:
            invoice, remote_id, customer_remote_id, _ = item
            body = self._document_body(invoice, "invoice", customer_remote_id)
            existing = versions.get(remote_id) if remote_id else versions.get(invoice.number)
            return (
                body | dict(zip(("Id", "SyncToken"), existing, strict=True)) if existing else body
            )

        def one_by_one(item) -> Pushed:
            invoice, remote_id, customer_remote_id, key = item
            return self._push_invoice(
                invoice, remote_id, customer_remote_id=customer_remote_id, key=key
            )

        return self._run_batch("Invoice", chunk, body_of, one_by_one)

    def _invoice_versions(self, items, unsent: frozenset[str]) -> dict[str, tuple[str, str]]:
        """(Id, SyncToken) of linked invoices by Id, and of invoices an earlier attempt
        already created, by DocNumber (for the same customer; not for ``unsent`` keys)."""
        versions: dict[str, tuple[str, str]] = {}
        ids = sorted({remote_id for _, remote_id, _, _ in items if remote_id})
        for group in chunks(ids, limits.QUERY_PAGE_SIZE):
            for row in self.client.query(
                f"select * from Invoice where Id in ({literals(group)})"
                f" maxresults {limits.QUERY_PAGE_SIZE}"
            ):
                versions[str(row["Id"])] = (str(row["Id"]), str(row["SyncToken"]))
        numbers = {
            inv.number: cust
            for inv, remote_id, cust, key in items
            if not remote_id and key not in unsent
        }
        for group in chunks(sorted(numbers), limits.QUERY_PAGE_SIZE):
            select = (
                f"select * from Invoice where DocNumber in ({literals(group)})"
                f" maxresults {limits.QUERY_PAGE_SIZE}"
            )
            for row in self.client.query(select):
                if numbers.get(row.get("DocNumber")) == (row.get("CustomerRef") or {}).get("value"):
                    versions[row["DocNumber"]] = (str(row["Id"]), str(row["SyncToken"]))
        return versions

    # --- customers ------------------------------------------------------------------------
    @_guarded
    def find_customers(self, customers) -> dict[int, Pushed]:
        """``find_customer`` for many: from the company's whole customer list when reading it
        takes no more requests than the look-ups would (one query per 30 e-mails, then per 30
        names), otherwise by those look-ups."""
        whole = self._directory.find(
            customers, name_of=_directory_name, per_look_up=limits.BATCH_SIZE
        )
        return whole if whole is not None else self._look_up_customers(customers)

    @functools.cached_property
    def _directory(self) -> LazyDirectory:
        page_size = DIRECTORY_PAGE_SIZE

        def read_page(page: int) -> list[dict]:
            return self.client.query(
                f"select * from Customer startposition {page * page_size + 1}"
                f" maxresults {page_size}"
            )

        def entry_of(row: dict) -> tuple[str, str, Pushed]:
            email = str((row.get("PrimaryEmailAddr") or {}).get("Address", ""))
            return str(row.get("DisplayName", "")), email, _pushed_customer(row)

        return LazyDirectory(
            name_key=str, page_size=page_size, read_page=read_page, entry_of=entry_of
        )

    def _look_up_customers(self, customers) -> dict[int, Pushed]:
        found: dict[int, Pushed] = {}
        with_email = [c for c in customers if c.email]
        for chunk in chunks(with_email, limits.BATCH_SIZE):
            emails = sorted({c.email for c in chunk})
            rows = self.client.query(
                f"select * from Customer where PrimaryEmailAddr in ({literals(emails)})"
            )
            by_email = {
                normalise_email(str((r.get("PrimaryEmailAddr") or {}).get("Address", ""))): r
                for r in rows
            }
            for customer in chunk:
                row = by_email.get(normalise_email(customer.email))
                if row is not None:
                    found[customer.pk] = _pushed_customer(row)
        rest = [c for c in customers if c.pk not in found]
        for chunk in chunks(rest, limits.BATCH_SIZE):
            names = sorted({mapping.clean_display_name(c.display_name) for c in chunk})
            rows = self.client.query(
                f"select * from Customer where DisplayName in ({literals(names)})"
            )
            by_name = {str(r.get("DisplayName", "")): r for r in rows}
            for customer in chunk:
                row = by_name.get(mapping.clean_display_name(customer.display_name))
                email = ((row or {}).get("PrimaryEmailAddr") or {}).get("Address", "")
                if row is not None and may_be_same_person(email, customer.email):
                    found[customer.pk] = _pushed_customer(row)
        return found

    def creates_with_invoice(self, customer) -> bool:
        """Never: a QBO invoice refers to its customer by Id (CustomerRef), so it is made first."""
        return False

    @_guarded
    def push_customers_batch(self, items) -> list[Pushed | Exception]:
        """(customer, remote_id, key) per item: creates and updates, 30 per request."""
        results: list[Pushed | Exception] = []
        for chunk in chunks(items, limits.BATCH_SIZE):
            results.extend(self._customer_chunk(chunk))
        self._directory.remember(items, results, _directory_name)
        return results

    def _customer_chunk(self, chunk) -> list[Pushed | Exception]:
        ids = [remote_id for _, remote_id, _ in chunk if remote_id]
        versions: dict[str, str] = {}
        try:
            if ids:
                for row in self.client.query(
                    f"select * from Customer where Id in ({literals(ids)})"
                ):
                    versions[str(row["Id"])] = str(row["SyncToken"])
        except SyncError as exc:
            return [exc] * len(chunk)

        def body_of(item) -> dict:
            customer, remote_id, _ = item
            body = mapping.customer_to_qbo(customer)
            if remote_id:
                if remote_id not in versions:
                    raise PermanentError("The customer no longer exists in QuickBooks.")
                body |= {"Id": remote_id, "SyncToken": versions[remote_id]}
            return body

        def one_by_one(item) -> Pushed:
            customer, remote_id, key = item
            return self._push_customer(customer, remote_id, key=key)

        return self._run_batch("Customer", chunk, body_of, one_by_one)

    # --- one batch request ----------------------------------------------------------------
    def _run_batch(
        self,
        entity: str,
        chunk: Sequence,
        body_of: Callable[[object], dict],
        one_by_one: Callable[[object], Pushed],
    ) -> list[Pushed | Exception]:
        """Items whose body has an Id are sparse updates, the others creates; the key of each
        item is its last element."""
        results, built = bodies(chunk, body_of)
        requests = []
        for index, body in built:
            operation = "update" if body.get("Id") else "create"
            if operation == "update":
                body["sparse"] = True
            requests.append({"bId": str(index), "operation": operation, entity: body})
        if requests:
            keys = "|".join(str(item[-1]) for item in chunk)
            key = f"batch-{entity}-" + hashlib.sha256(keys.encode()).hexdigest()
            try:
                answers = self.client.batch(requests, key=key)
            except SyncError as exc:
                return [r if r is not None else exc for r in results]
            for answer in answers:
                index = int(answer.get("bId", -1))
                results[index] = self._item_result(
                    entity, answer, chunk[index], one_by_one, self._zero_rated_codes()
                )
        skipped = PermanentError("QuickBooks did not answer for it in the batch.")
        return [r if r is not None else skipped for r in results]

    @staticmethod
    def _item_result(entity, answer: dict, item, one_by_one, zero_rated) -> Pushed | Exception:
        fault = answer.get("Fault")
        if fault:
            error = (fault.get("Error") or [{}])[0]
            exc = fault_error(
                error.get("Message", "Refused"), error.get("Detail", ""), error.get("code", "")
            )
            if isinstance(exc, QboFault) and exc.code in RETRY_ONE_BY_ONE:
                try:
                    return one_by_one(item)
                except SyncError as again:
                    return again
            return exc
        data = answer.get(entity)
        if not isinstance(data, dict) or not data.get("Id"):
            return PermanentError(f"QuickBooks answered a batch item without the {entity}.")
        try:
            name = data.get("DisplayName") or data.get("DocNumber") or ""
            return Pushed(
                str(data["Id"]),
                mapping.version_of(data, entity),
                str(name),
                document=reading.exchanged_document(data, entity, zero_rated=zero_rated),
            )
        except SyncError as exc:
            return exc


def _pushed_customer(row: dict) -> Pushed:
    return Pushed(
        str(row["Id"]), mapping.version_of(row, "Customer"), str(row.get("DisplayName", ""))
    )


def _directory_name(customer) -> str:
    return mapping.clean_display_name(customer.display_name)
