"""Xero behind the engine's ``Adapter`` contract (apps.integrations.contract).

Choices worth knowing:
- A cancelled invoice is VOIDED when it was AUTHORISED and DELETED when DRAFT or SUBMITTED
  (Xero allows nothing else); a cancelled quote is DELETED; a payment is DELETED.
- Xero records money only against an invoice here: a payment without one is refused clearly.
- A contact name already used by someone else is not the end of it: the contact is created
  under "Name (email)" or "Name (2)", never dropped
  (docs/sync-rules.md, "Matching and duplicates").
- Batches (nightly export) go 50 per request with ``summarizeErrors=false``; invoices an earlier
  attempt already created are found by number first, so a retried batch never makes copies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from apps.customers.matching import same_email
from apps.integrations import reference_cache
from apps.integrations.contract import (
    PermanentError,
    PullPage,
    Pushed,
    RemoteChange,
    RemoteGone,
    SyncError,
)
from apps.integrations.directory import may_be_same_person
from apps.integrations.wire import malformed_is_transient

from . import limits, mapping
from .batches import DUPLICATE_NAME, BatchSender, pushed
from .capabilities import CAPABILITIES
from .client import XeroClient, XeroValidation
from .items import ItemMixin
from .versions import VersionsMixin

_guarded = malformed_is_transient("Xero")

DUPLICATE_NAME_ATTEMPTS = 5
# The tax types of a sale outside the tax, in order of preference: "No Tax", and Australia's
# "GST Free Income" (an Australian organisation has no NONE; its first 0 % rate on revenue is
# "GST Free Exports"). https://developer.xero.com/documentation/api/accounting/types#tax-types
EXEMPT_SALES_TYPES = ("NONE", "EXEMPTOUTPUT")
TAX_RATES, ACCOUNTS = "tax-rates", "accounts"


def refused_for_settings(messages: Sequence[str]) -> bool:
    """Xero refused a document for a tax type or an account code it does not take (any more):
    "The TaxType code 'X' does not exist or cannot be used ...", "Account code '200' is not a
    valid code ..." (https://developer.xero.com/documentation/api/accounting/invoices)."""
    return any("TaxType" in m or "Account code" in m for m in messages)


def _updated(kind: str, row: dict) -> datetime:
    return mapping.parse_timestamp(mapping.version_of(row, kind), "UpdatedDateUTC")


def _whole_second(moment: datetime) -> datetime:
    """If-Modified-Since carries whole seconds."""
    return moment.replace(microsecond=0)


def _watermarks(since: str | None) -> dict[str, datetime]:
    """Kind → the latest UpdatedDateUTC read, from the text ``_watermark_text`` wrote.

    A watermark of the older form (one hub-clock time) stands for every kind, moved back as
    it was before (no other Xero records are pulled)."""
    try:
        stored = json.loads(since or "{}")
    except ValueError:
        stored = None
    if isinstance(stored, dict):
        found = {kind: _parse_time(value) for kind, value in stored.items()}
        return {kind: moment for kind, moment in found.items() if moment is not None}
    moment = _parse_time(since)
    if moment is None:
        return {}
    moment -= timedelta(seconds=limits.HUB_CLOCK_WATERMARK_OVERLAP_SECONDS)
    return dict.fromkeys(mapping.COLLECTION, moment)


def _parse_time(value) -> datetime | None:
    try:
        return mapping.parse_timestamp(value)
    except SyncError:
        return None


def _watermark_text(latest: dict[str, datetime]) -> str:
    """Short enough for the engine's 200 characters: four kinds, milliseconds, "Z"."""
    if not latest:
        return ""
    times = {
        kind: moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for kind, moment in sorted(latest.items())
    }
    return json.dumps(times, separators=(",", ":"))


class XeroAdapter(ItemMixin, VersionsMixin):
    capabilities = CAPABILITIES

    def __init__(self, integration) -> None:
        self.integration = integration
        self.client = XeroClient(integration)
        self._tax_rates: list[dict] | None = None
        self._accounts: list[dict] | None = None
        self.linked_items: dict[int, str] = {}
        self._item_codes: dict[str, str] = {}
        self.batches = BatchSender(
            self.client, document_body=self._document_body, push_customer=self.push_customer
        )

    # --- many per request (the nightly export): the batch sender ----------------------------
    def push_invoices_batch(self, items, *, unsent=frozenset()) -> list[Pushed | Exception]:
        results = self.batches.push_invoices_batch(items, unsent=unsent)
        refused = [
            index
            for index, result in enumerate(results)
            if isinstance(result, XeroValidation) and refused_for_settings(result.messages)
        ]
        if not refused:
            return results
        # As for one invoice (``_push_document``): the kept tax rates or accounts are out of
        # date, so they are read again, once, and the refused invoices sent again. A refused
        # element made nothing, so new keys cannot make a copy, nor need a look for one.
        self.forget_settings()
        again = [(*items[index][:3], f"{items[index][3]}/settings") for index in refused]
        fresh = unsent | {key for *_, key in again}
        for index, result in zip(
            refused, self.batches.push_invoices_batch(again, unsent=fresh), strict=True
        ):
            results[index] = result
        return results

    def find_customers(self, customers) -> dict[int, Pushed]:
        return self.batches.find_customers(customers)

    def push_customers_batch(self, items) -> list[Pushed | Exception]:
        return self.batches.push_customers_batch(items)

    def creates_with_invoice(self, customer) -> bool:
        return self.batches.creates_with_invoice(customer)

    # --- contacts -------------------------------------------------------------------------
    def _contact_where(self, field: str, value: str) -> dict | None:
        rows = self.client.get_list(
            "Contacts", {"where": f"{field}=={mapping.where_literal(value)}"}
        )
        return rows[0] if rows else None

    @_guarded
    def find_customer(self, customer) -> Pushed | None:
        found = self._contact_where("EmailAddress", customer.email) if customer.email else None
        if found is None:
            found = self._contact_where("Name", " ".join(customer.display_name.split()))
            email = str((found or {}).get("EmailAddress") or "")
            if found is not None and not may_be_same_person(email, customer.email):
                found = None
        return None if found is None else pushed(found, "customer", found.get("Name", ""))

    @_guarded
    def push_customer(self, customer, remote_id: str | None, *, key: str) -> Pushed:
        try:
            data = self._write_contact(mapping.contact_to_xero(customer), remote_id, key)
        except XeroValidation as exc:
            if not any(DUPLICATE_NAME in m for m in exc.messages):
                raise
            return self._push_under_free_name(customer, remote_id, key=key, refused=exc)
        return pushed(data, "customer", data.get("Name", ""))

    def _write_contact(self, body: dict, remote_id: str | None, key: str) -> dict:
        if remote_id is None:
            return self.client.create("Contacts", body, key=key)
        return self.client.update("Contacts", remote_id, body)

    def _push_under_free_name(self, customer, remote_id, *, key, refused) -> Pushed:
        name = " ".join(customer.display_name.split())
        holder = self._contact_where("Name", name)
        holder_email = str((holder or {}).get("EmailAddress") or "")
        if remote_id is None and holder and same_email(holder_email, customer.email):
            data = self.client.update(
                "Contacts", holder["ContactID"], mapping.contact_to_xero(customer)
            )
            return pushed(data, "customer", data.get("Name", ""))
        candidates = [f"{name} ({customer.email})"] if customer.email else []
        candidates += [f"{name} ({n})" for n in range(2, 2 + DUPLICATE_NAME_ATTEMPTS)]
        for n, candidate in enumerate(candidates):
            body = mapping.contact_to_xero(customer, name=candidate)
            try:
                data = self._write_contact(body, remote_id, f"{key}/name{n}")
            except XeroValidation as exc:
                if any(DUPLICATE_NAME in m for m in exc.messages):
                    continue
                raise
            return pushed(data, "customer", data.get("Name", ""))
        raise refused

    # --- the tenant's settings (kept per tenant: apps.integrations.reference_cache) -------
    def _accounts_of(self, kind: str) -> list[dict]:
        if self._accounts is None:
            self._accounts = reference_cache.kept(
                self.integration, ACCOUNTS, lambda: self.client.get_list("Accounts")
            )
        return [a for a in self._accounts if a.get("Type") == kind and a.get("Status") == "ACTIVE"]

    def _account_code(self, kind: str, preferred: str) -> str:
        accounts = self._accounts_of(kind)
        if not accounts:
            raise PermanentError(f"Xero has no active {kind.lower()} account.")
        codes = [str(a.get("Code") or "") for a in accounts]
        return preferred if preferred in codes else next((c for c in codes if c), codes[0])

    def _read(self, kind: str, row: dict) -> RemoteChange:
        """One answered record; a document's lines are read with the tenant's tax rates."""
        if kind not in ("invoice", "quote"):
            return mapping.change_from_xero(kind, row)
        return mapping.change_from_xero(kind, row, tax_rates=self._rates_by_type())

    def _rates_by_type(self) -> dict[str, Decimal]:
        """TaxType → rate, from the tenant's kept tax rates."""
        rows = self._load_tax_rates()
        return {str(r.get("TaxType")): Decimal(str(r.get("EffectiveRate", 0))) for r in rows}

    def _load_tax_rates(self) -> list[dict]:
        if self._tax_rates is None:
            self._tax_rates = reference_cache.kept(
                self.integration, TAX_RATES, lambda: self.client.get_list("TaxRates")
            )
        return self._tax_rates

    def forget_settings(self) -> None:
        """Read the tenant's tax rates and accounts again on next use (a refusal named one)."""
        self._tax_rates = self._accounts = None
        reference_cache.forget(self.integration, TAX_RATES, ACCOUNTS)

    def _tax_types(self, rate: Decimal) -> mapping.TaxTypes:
        """The TaxType for taxable lines at the hub's rate and the one for exempt lines:
        "No Tax" where the organisation has it, "GST Free Income" in Australia (which has no
        NONE), else the first rate at 0 % that may go on revenue."""
        usable = [
            r
            for r in self._load_tax_rates()
            if r.get("Status") == "ACTIVE" and r.get("CanApplyToRevenue", True)
        ]

        def rate_of(row: dict) -> Decimal:
            return Decimal(str(row.get("EffectiveRate", 0)))

        exempt = next(
            (t for t in EXEMPT_SALES_TYPES if any(r.get("TaxType") == t for r in usable)), None
        ) or next((r["TaxType"] for r in usable if rate_of(r) == 0), "NONE")
        if not rate:
            return mapping.TaxTypes(taxable=exempt, taxable_rate=Decimal(0), exempt=exempt)
        taxable = next((r for r in usable if rate_of(r) == rate), None)
        if taxable is None:
            taxable = self._create_tax_rate(rate)
        return mapping.TaxTypes(taxable=taxable["TaxType"], taxable_rate=rate, exempt=exempt)

    def _create_tax_rate(self, rate: Decimal) -> dict:
        """The hub's rate is the one the customer was charged: give the tenant that rate."""
        name = f"Sales tax {rate.normalize()}%"
        body = {"Name": name, "TaxComponents": [{"Name": "Sales tax", "Rate": rate}]}
        digest = hashlib.sha256(f"{self.client.tenant}/{name}".encode()).hexdigest()[:40]
        row = self.client.create("TaxRates", body, key=f"taxrate-{digest}")
        self._tax_rates = [*(self._tax_rates or []), row]
        reference_cache.keep(self.integration, TAX_RATES, self._tax_rates)
        return row

    # --- documents ------------------------------------------------------------------------
    def _document_body(self, document, kind: str, contact_id: str) -> dict:
        lines = list(document.lines.all())
        body = mapping.document_to_xero(
            document,
            lines,
            kind=kind,
            contact_id=contact_id,
            tax_types=self._tax_types(Decimal(document.tax_rate)),
            account_code=self._account_code("REVENUE", "200"),
        )
        return self._with_item_codes(body, lines)

    def _push_document(self, document, kind, remote_id, contact_id, key) -> Pushed:
        collection, _ = mapping.COLLECTION[kind]
        try:
            data = self._write_document(collection, document, kind, remote_id, contact_id, key)
        except XeroValidation as exc:
            if not refused_for_settings(exc.messages):
                raise
            # The kept tax rates or accounts are out of date (changed in Xero): read them
            # again, once. A refused create made nothing, so a new key cannot make a copy.
            self.forget_settings()
            key = f"{key}/settings"
            data = self._write_document(collection, document, kind, remote_id, contact_id, key)
        return pushed(data, kind, document.number)

    def _write_document(self, collection, document, kind, remote_id, contact_id, key) -> dict:
        body = self._document_body(document, kind, contact_id)
        if remote_id is None:
            return self.client.create(collection, body, key=key)
        return self.client.update(collection, remote_id, body)

    @_guarded
    def push_invoice(self, invoice, remote_id, *, customer_remote_id: str, key: str) -> Pushed:
        return self._push_document(invoice, "invoice", remote_id, customer_remote_id, key)

    @_guarded
    def push_quote(self, quote, remote_id, *, customer_remote_id: str, key: str) -> Pushed:
        return self._push_document(quote, "quote", remote_id, customer_remote_id, key)

    @_guarded
    def push_payment(self, payment, *, customer_remote_id, invoice_remote_id, key) -> Pushed:
        if not invoice_remote_id:
            raise PermanentError("Xero records a payment only against an invoice.")
        body = mapping.payment_to_xero(
            payment, invoice_id=invoice_remote_id, account_code=self._account_code("BANK", "090")
        )
        return pushed(self.client.create("Payments", body, key=key), "payment")

    # --- void -----------------------------------------------------------------------------
    @_guarded
    def void(self, kind: str, remote_id: str) -> Pushed:
        collection, id_field = mapping.COLLECTION[kind]
        current = self.client.get_one(collection, remote_id)
        if kind == "invoice":
            status = current.get("Status")
            if status in ("VOIDED", "DELETED"):
                return pushed(current, kind)
            if status == "PAID":
                raise PermanentError("Xero cannot void a paid invoice: remove its payments first.")
            target = "VOIDED" if status == "AUTHORISED" else "DELETED"
            change = {id_field: remote_id, "Status": target}
        elif kind == "customer":
            change = {id_field: remote_id, "ContactStatus": "ARCHIVED"}
        else:
            if current.get("Status") == "DELETED":
                return pushed(current, kind)
            change = {id_field: remote_id, "Status": "DELETED"}
            if kind == "quote":  # Xero wants the quote's contact and date on every write
                change |= {
                    "Contact": {"ContactID": current["Contact"]["ContactID"]},
                    "Date": mapping.parse_day(current["Date"], "Date").isoformat(),
                }
        return pushed(self.client.update(collection, remote_id, change), kind)

    # --- pull -----------------------------------------------------------------------------
    @_guarded
    def pull(self, kinds: Sequence[str], since: str | None) -> Iterator[PullPage]:
        """Each collection from its own watermark: the latest UpdatedDateUTC read from it.

        One watermark for all would skip a contact changed after Contacts were read but
        stamped before the newest invoice read later in the same pull."""
        if since is None:
            # The first pull after connecting (or a full scan) also reads the tenant's tax rates
            # and accounts into the per-tenant cache, so the first sends need not.
            self._load_tax_rates()
            self._accounts_of("REVENUE")
        previous = _watermarks(since)
        latest = dict(previous)
        pending: list[RemoteChange] | None = None
        for kind in kinds:
            if kind == "payment" and previous and latest.get("invoice") == previous.get("invoice"):
                # A payment made or deleted in Xero changes its invoice's AmountPaid and so its
                # UpdatedDateUTC: with no invoice newer than the watermark (the overlap's
                # re-reads do not count) there is no payment to read.
                continue
            for rows in self._rows_changed(kind, previous.get(kind)):
                if pending is not None:
                    yield PullPage(changes=pending, watermark="", more=True)
                pending = [self._read(kind, row) for row in rows]
                newest = max(_updated(kind, row) for row in rows)
                latest[kind] = max(newest, latest.get(kind, newest))
        yield PullPage(changes=pending or [], watermark=_watermark_text(latest), more=False)

    def _rows_changed(self, kind: str, watermark: datetime | None) -> Iterator[list[dict]]:
        """Rows changed since the watermark (all without one), oldest change first, by page.

        Pages follow time, not page numbers: the next request asks from the second before the
        last row read. A record changed meanwhile moves to the end of the order; counted by
        page number it would shift an unread record onto a page already read. Only a whole
        page within two seconds goes on by number. Rows read twice that way are left out.
        https://developer.xero.com/documentation/api/accounting/requests-and-responses
        """
        collection, id_field = mapping.COLLECTION[kind]
        size = limits.QUOTES_PAGE_SIZE if kind == "quote" else limits.PULL_PAGE_SIZE
        since = None
        if watermark is not None:
            since = _whole_second(watermark - timedelta(seconds=limits.PULL_OVERLAP_SECONDS))
        page, read = 1, set()
        while True:
            params: dict = {"page": page, "order": "UpdatedDateUTC ASC"}
            if kind != "quote":
                params["pageSize"] = size
            if kind == "invoice":
                params["where"] = 'Type=="ACCREC"'
            rows = self.client.get_list(collection, params, since=since)
            fresh = [r for r in rows if (r.get(id_field), r.get("UpdatedDateUTC")) not in read]
            read.update((r.get(id_field), r.get("UpdatedDateUTC")) for r in rows)
            if fresh:
                yield fresh
            if len(rows) < size:
                return
            after = _whole_second(_updated(kind, rows[-1])) - timedelta(seconds=1)
            if since is not None and after <= since:
                page += 1
            else:
                since, page = after, 1

    @_guarded
    def fetch(self, kind: str, remote_id: str) -> RemoteChange:
        collection, _ = mapping.COLLECTION[kind]
        try:
            data = self.client.get_one(collection, remote_id)
        except RemoteGone:
            return RemoteChange(kind=kind, remote_id=remote_id, deleted=True)
        return self._read(kind, data)
