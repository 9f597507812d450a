"""QuickBooks Online behind the engine's ``Adapter`` contract (apps.integrations.contract).

Choices worth knowing:
- Updates are sparse and read the current SyncToken first; a stale one (5010) means someone
  changed the record meanwhile: it is read again and our fields applied again (hub wins).
- A refused duplicate DisplayName (6240) held by someone else: the customer is created under a
  distinguishable name, "Name (email)" or "Name (2)", never dropped
  (docs/sync-rules.md, "Matching and duplicates").
- A cancelled quote closes the Estimate (``TxnStatus: Closed``) rather than deleting it, so the
  record and its history stay in QuickBooks, as a voided invoice does.
- A payment without an invoice in QuickBooks is a SalesReceipt; its remote id is written
  ``SalesReceipt/<Id>`` so that ``void`` and ``fetch`` know which entity it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import prefetch_related_objects

from apps.customers.matching import same_email
from apps.integrations.contract import (
    PermanentError,
    PullPage,
    Pushed,
    RemoteChange,
    RemoteGone,
)
from apps.integrations.directory import may_be_same_person
from apps.integrations.wire import malformed_is_transient

from . import limits, mapping, payouts, reading
from .accounts import AccountsMixin
from .batches import BatchSender, literals
from .capabilities import CAPABILITIES
from .client import DUPLICATE_NAME, STALE_OBJECT, QboFault, QuickBooksClient
from .credits import CreditsMixin
from .items import ItemMixin
from .taxes import TaxCodeMixin, refused_for_settings
from .time import TimeMixin
from .versions import VersionsMixin

_guarded = malformed_is_transient("QuickBooks")

SALES_RECEIPT = "SalesReceipt/"
STALE_RETRIES = 3
DUPLICATE_NAME_ATTEMPTS = 5


def _pushed(data: dict, entity: str, name: str = "", *, zero_rated=reading.US_ZERO_RATED) -> Pushed:
    return Pushed(
        remote_id=str(data.get("Id") or ""),
        remote_version=mapping.version_of(data, entity),
        remote_name=name,
        document=reading.exchanged_document(data, entity, zero_rated=zero_rated),
    )


class QuickBooksAdapter(
    CreditsMixin, AccountsMixin, ItemMixin, TaxCodeMixin, TimeMixin, VersionsMixin
):
    capabilities = CAPABILITIES

    def __init__(self, integration) -> None:
        self.integration = integration
        self.client = QuickBooksClient(integration)
        self._item_refs: dict[str, dict] = {}
        self.linked_items: dict[int, str] = {}
        self._income_account: str | None = None
        self._sales_codes: list[tuple[str, Decimal]] | None = None
        # Tax rates this adapter mapped by suggestion (apps.integrations.mappings.forget_made).
        self.tax_mapped_now: list[Decimal] = []
        self.batches = BatchSender(
            self.client,
            document_body=self._document_body,
            push_invoice=self.push_invoice,
            push_customer=self.push_customer,
            zero_rated_codes=self._zero_rated_codes,
        )

    # --- many per request (the nightly export): the batch sender ----------------------------
    def push_invoices_batch(self, items, *, unsent=frozenset()) -> list[Pushed | Exception]:
        return self.batches.push_invoices_batch(items, unsent=unsent)

    def find_customers(self, customers) -> dict[int, Pushed]:
        return self.batches.find_customers(customers)

    def push_customers_batch(self, items) -> list[Pushed | Exception]:
        return self.batches.push_customers_batch(items)

    # --- customers ------------------------------------------------------------------------
    def _customer_where(self, condition: str) -> dict | None:
        rows = self.client.query(f"select * from Customer where {condition} maxresults 1")
        return rows[0] if rows else None

    def creates_with_invoice(self, customer) -> bool:
        """Never: a QuickBooks Invoice refers to an existing Customer by id."""
        return False

    @_guarded
    def find_customer(self, customer) -> Pushed | None:
        found = None
        if customer.email:
            found = self._customer_where(
                f"PrimaryEmailAddr = {mapping.query_literal(customer.email)}"
            )
        if found is None:
            name = mapping.clean_display_name(customer.display_name)
            found = self._customer_where(f"DisplayName = {mapping.query_literal(name)}")
            email = ((found or {}).get("PrimaryEmailAddr") or {}).get("Address", "")
            if found is not None and not may_be_same_person(email, customer.email):
                found = None
        if found is None:
            return None
        return _pushed(found, "Customer", str(found.get("DisplayName", "")))

    @_guarded
    def push_customer(self, customer, remote_id: str | None, *, key: str) -> Pushed:
        body = mapping.customer_to_qbo(customer)
        try:
            if remote_id is None:
                data = self.client.create("Customer", body, key=key)
            else:
                data = self._update("Customer", remote_id, body)
        except QboFault as exc:
            if exc.code != DUPLICATE_NAME:
                raise
            return self._push_under_free_name(customer, remote_id, key=key, refused=exc)
        return _pushed(data, "Customer", data.get("DisplayName", ""))

    def _same_person(self, holder: dict | None, customer) -> bool:
        email = ((holder or {}).get("PrimaryEmailAddr") or {}).get("Address", "")
        return same_email(email, customer.email)

    def _push_under_free_name(self, customer, remote_id, *, key: str, refused: QboFault) -> Pushed:
        """6240: the name belongs to another customer, vendor or employee."""
        name = mapping.clean_display_name(customer.display_name)
        holder = self._customer_where(f"DisplayName = {mapping.query_literal(name)}")
        if remote_id is None and holder and self._same_person(holder, customer):
            data = self._update("Customer", str(holder["Id"]), mapping.customer_to_qbo(customer))
            return _pushed(data, "Customer", data.get("DisplayName", ""))
        candidates = [f"{name} ({customer.email})"] if customer.email else []
        candidates += [f"{name} ({n})" for n in range(2, 2 + DUPLICATE_NAME_ATTEMPTS)]
        for n, candidate in enumerate(candidates):
            body = mapping.customer_to_qbo(customer, display_name=candidate)
            try:
                if remote_id is None:
                    data = self.client.create("Customer", body, key=f"{key}/name{n}")
                else:
                    data = self._update("Customer", remote_id, body)
            except QboFault as exc:
                if exc.code == DUPLICATE_NAME:
                    continue
                raise
            return _pushed(data, "Customer", data.get("DisplayName", ""))
        raise refused

    # --- updates with stale-object resolution ---------------------------------------------
    def _update(
        self, entity: str, remote_id: str, fields: dict, params: dict | None = None
    ) -> dict:
        return self._apply(entity, remote_id, lambda current: fields, params)

    def _apply(
        self,
        entity: str,
        remote_id: str,
        change: Callable[[dict], dict],
        params: dict | None = None,
        send: Callable[[dict], dict] | None = None,
    ) -> dict:
        """Read the current SyncToken, send our change; on 5010 read again and re-apply."""
        for attempt in range(1, STALE_RETRIES + 1):
            current = self.client.read(entity, remote_id)
            body = {
                **change(current),
                "Id": remote_id,
                "SyncToken": mapping.version_of(current, entity),
            }
            try:
                if send is not None:
                    return send(body)
                return self.client.update(entity, body, params=params)
            except QboFault as exc:
                if exc.code != STALE_OBJECT or attempt == STALE_RETRIES:
                    raise
        raise AssertionError("unreachable")

    # --- documents ------------------------------------------------------------------------
    def _item_refs_for(self, lines) -> dict[str, dict]:
        """Item name → ItemRef, kept per company: known items cost no request."""
        names = {mapping.item_name_of(line) for line in lines} | {mapping.DEFAULT_ITEM_NAME}
        self._with_kept_items(names)
        missing = sorted(names - set(self._item_refs))
        if missing:
            for row in self.client.query(f"select * from Item where Name in ({literals(missing)})"):
                self._item_refs[row["Name"]] = {"value": str(row["Id"]), "name": row["Name"]}
            for name in sorted(names - set(self._item_refs)):
                line = next((ln for ln in lines if mapping.item_name_of(ln) == name), None)
                self._item_refs[name] = self._create_item(name, line)
            self._keep_items()
        return self._item_refs

    def _create_item(self, name: str, line) -> dict:
        """A Service item for a line whose item QuickBooks does not have yet."""
        body = {
            "Name": mapping.clean_display_name(name)[:100],
            "Type": "Service",
            "IncomeAccountRef": {
                "value": self._income_account_id(getattr(line, "service_item_id", None))
            },
        }
        item = getattr(line, "service_item", None)
        if item is not None:
            body |= {
                "Description": item.description,
                "UnitPrice": item.unit_price,
                "Taxable": item.taxable,
            }
        digest = hashlib.sha256(f"{self.client.realm}/{name}".encode()).hexdigest()[:40]
        data = self.client.create("Item", body, key=f"item-{digest}")
        return {"value": str(data["Id"]), "name": data.get("Name", name)}

    def _document_body(self, document, kind: str, customer_remote_id: str) -> dict:
        # The export prefetches lines (and their items); reading them through .all() keeps that
        # cache, and prefetch_related_objects only queries for items not already loaded.
        lines = list(document.lines.all())
        prefetch_related_objects(lines, "service_item")
        self._linked_item_refs(lines)
        return mapping.document_to_qbo(
            document,
            lines,
            kind=kind,
            region=self.integration.region,
            customer_remote_id=customer_remote_id,
            item_refs=self._item_refs_for(lines),
            tax_codes=self._tax_codes(Decimal(document.tax_rate), lines),
        )

    def _push_document(self, document, kind, remote_id, customer_remote_id, key) -> Pushed:
        entity = mapping.ENTITY[kind]
        try:
            data = self._write_document(entity, document, kind, remote_id, customer_remote_id, key)
        except (QboFault, RemoteGone) as exc:
            if not refused_for_settings(exc, creating=remote_id is None):
                raise
            # Kept tax codes or items out of date: read again, once (refused: nothing made).
            self.forget_settings()
            key = f"{key}/settings"
            data = self._write_document(entity, document, kind, remote_id, customer_remote_id, key)
        # Read with the company's zero-rated codes, as a pull reads it: outside the US a
        # 0 % invoice's taxable lines carry a zero-rated code (docs/round-trips.md).
        return _pushed(
            data, entity, str(data.get("DocNumber", "")), zero_rated=self._zero_rated_codes()
        )

    def _write_document(self, entity, document, kind, remote_id, customer_remote_id, key) -> dict:
        body = self._document_body(document, kind, customer_remote_id)
        if remote_id is None:
            return self.client.create(entity, body, key=key)
        return self._update(entity, remote_id, body)

    @_guarded
    def push_invoice(self, invoice, remote_id, *, customer_remote_id: str, key: str) -> Pushed:
        return self._push_document(invoice, "invoice", remote_id, customer_remote_id, key)

    @_guarded
    def push_quote(self, quote, remote_id, *, customer_remote_id: str, key: str) -> Pushed:
        return self._push_document(quote, "quote", remote_id, customer_remote_id, key)

    @_guarded
    def push_payout(self, payout, accounts, *, key: str) -> Pushed:
        """A Deposit into the bank account from the clearing account, less the fees."""
        data = self.client.create("Deposit", payouts.deposit_to_qbo(payout, accounts), key=key)
        return Pushed(
            remote_id=str(data.get("Id") or ""), remote_version=mapping.version_of(data, "Deposit")
        )

    @_guarded
    def push_refund(self, refund, **kwargs) -> Pushed:
        return super().push_refund(refund, **kwargs)

    @_guarded
    def push_payment(self, payment, *, customer_remote_id, invoice_remote_id, key) -> Pushed:
        if invoice_remote_id:
            body = mapping.payment_to_qbo(
                payment,
                customer_remote_id=customer_remote_id,
                invoice_remote_id=invoice_remote_id,
            ) | self._deposit_to(payment)
            return _pushed(self.client.create("Payment", body, key=key), "Payment")
        item_ref = self._item_refs_for([])[mapping.DEFAULT_ITEM_NAME]
        body = mapping.sales_receipt_to_qbo(
            payment,
            customer_remote_id=customer_remote_id,
            item_ref=item_ref,
            tax_code=self._tax_codes(Decimal(0), []).exempt,
        ) | self._deposit_to(payment)
        data = self.client.create("SalesReceipt", body, key=key)
        pushed = _pushed(data, "SalesReceipt")
        return Pushed(SALES_RECEIPT + pushed.remote_id, pushed.remote_version)

    # --- void -----------------------------------------------------------------------------
    @_guarded
    def void(self, kind: str, remote_id: str) -> Pushed:
        if kind == "invoice":
            data = self._apply(
                "Invoice",
                remote_id,
                lambda current: {},
                send=lambda body: self.client.operation("Invoice", body, {"operation": "void"}),
            )
            return _pushed(data, "Invoice", zero_rated=self._zero_rated_codes())
        if kind == "quote":
            closed = self._update("Estimate", remote_id, {"TxnStatus": "Closed"})
            return _pushed(closed, "Estimate", zero_rated=self._zero_rated_codes())
        if kind == "payment":
            entity, own_id = self._payment_entity(remote_id)
            return Pushed(remote_id, mapping.version_of(self._void_txn(entity, own_id), entity))
        if kind == "customer":
            return _pushed(self._update("Customer", remote_id, {"Active": False}), "Customer")
        if kind == "credit_note":
            return self.void_credit_note(remote_id)
        if kind == "refund":
            return self.void_refund(remote_id)
        raise PermanentError(f"QuickBooks cannot void a {kind}.")

    def _void_txn(self, entity: str, own_id: str) -> dict:
        """Void a payment or receipt: a sparse update with ``include=void``."""
        return self._apply(
            entity,
            own_id,
            lambda current: {},
            send=lambda body: self.client.operation(
                entity, {**body, "sparse": True}, {"operation": "update", "include": "void"}
            ),
        )

    @staticmethod
    def _payment_entity(remote_id: str) -> tuple[str, str]:
        if remote_id.startswith(SALES_RECEIPT):
            return "SalesReceipt", remote_id[len(SALES_RECEIPT) :]
        return "Payment", remote_id

    # --- pull -----------------------------------------------------------------------------
    @_guarded
    def pull(self, kinds: Sequence[str], since: str | None) -> Iterator[PullPage]:
        """What changed since the watermark, by change data capture: one request when it is
        quiet. CDC answers at most 1,000 objects and says nothing when it stops there, so a
        full answer is read again with paged queries (see ``_changed_since``)."""
        started = datetime.now(UTC)
        settled = started - timedelta(seconds=limits.CDC_SETTLED_SECONDS)
        entities = [mapping.ENTITY[kind] for kind in kinds]
        since_at = _parse_watermark(since)
        if since_at is None or started - since_at > timedelta(days=limits.CDC_MAX_DAYS - 1):
            # A full scan (the first pull after connecting) also reads the company's sales tax
            # codes and items into the per-company cache, so the first sends need not.
            if self.integration.region != mapping.US_REGION:
                self._sales_tax_codes()
            self._items_read()
            everything = [(entity, f"select * from {entity}") for entity in entities]
            yield from self._scan(everything, settled)
            return
        changed_since = since_at - timedelta(seconds=limits.CDC_OVERLAP_SECONDS)
        found = self.client.cdc(entities, changed_since.isoformat())
        newest = _newest((row for rows in found.values() for row in rows), max(settled, since_at))
        cut_off = reading.cdc_cut_off(found, limits.CDC_MAX_OBJECTS)
        # Deletions show only in CDC: those are kept even from an answer read again.
        kept = [
            self._read(entity, row)
            for entity in entities
            for row in found[entity]
            if entity not in cut_off or row.get("status") == "Deleted"
        ]
        if not cut_off:
            yield PullPage(changes=kept, watermark=newest.isoformat(), more=False)
            return
        yield from self._scan(_changed_since(cut_off, changed_since), newest, first=kept)

    def _scan(
        self, selects: list[tuple[str, str]], newest: datetime, first: Sequence[RemoteChange] = ()
    ) -> Iterator[PullPage]:
        """``first``, then every row of each (entity, query), a page at a time. Only the last
        page carries a watermark, the newest LastUpdatedTime read (``newest`` at least); the
        others an empty one, which the engine does not store, so an interrupted scan starts
        again rather than skipping what it had not reached."""
        pending: list[RemoteChange] | None = list(first) or None
        for entity, select in selects:
            start = 1
            while True:
                rows = self.client.query(
                    f"{select} startposition {start} maxresults {limits.QUERY_PAGE_SIZE}"
                )
                if pending is not None:
                    yield PullPage(changes=pending, watermark="", more=True)
                pending = [self._read(entity, row) for row in rows]
                newest = _newest(rows, newest)
                if len(rows) < limits.QUERY_PAGE_SIZE:
                    break
                start += limits.QUERY_PAGE_SIZE
        yield PullPage(changes=pending or [], watermark=newest.isoformat(), more=False)

    @_guarded
    def fetch(self, kind: str, remote_id: str) -> RemoteChange:
        entity = mapping.ENTITY[kind]
        own_id = remote_id
        if kind == "payment":
            entity, own_id = self._payment_entity(remote_id)
        try:
            data = self.client.read(entity, own_id)
        except RemoteGone:
            return RemoteChange(kind=kind, remote_id=remote_id, deleted=True)
        # A SalesReceipt reads as a payment applied to nothing.
        change = self._read(mapping.ENTITY[kind], data)
        return RemoteChange(kind=kind, remote_id=remote_id, record=change.record)


def _parse_watermark(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _newest(rows: Iterable[Mapping], newest: datetime) -> datetime:
    """The latest of ``newest`` and the rows' LastUpdatedTime (Intuit's clock)."""
    for row in rows:
        moment = _parse_watermark(str((row.get("MetaData") or {}).get("LastUpdatedTime") or ""))
        if moment is not None and moment > newest:
            newest = moment
    return newest


# QuickBooks queries answer active customers only unless asked; a deactivated one is a change.
INACTIVE_TOO = {"Customer": " and Active in (true, false)"}


def _changed_since(entities: list[str], moment: datetime) -> list[tuple[str, str]]:
    """Queries for each entity's records changed since ``moment``, newest change first.

    Newest first because pages are counted by position: a record changed while we page moves
    to the front, onto a page already read (it is read again on the next pull, being newer
    than the watermark), and the unread pages keep their places. Oldest first, it would move
    to the end and shift an unread record onto a page already read. LastUpdatedTime holds
    whole seconds, so the moment is taken down to its second.
    https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
    """
    since = mapping.query_literal(moment.isoformat(timespec="seconds"))
    return [
        (
            entity,
            f"select * from {entity} where MetaData.LastUpdatedTime >= {since}"
            f"{INACTIVE_TOO.get(entity, '')} orderby MetaData.LastUpdatedTime desc",
        )
        for entity in entities
    ]
