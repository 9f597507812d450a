"""MYOB Business (AccountRight) behind the engine's ``Adapter`` contract
(apps.integrations.contract). Its differences stay here (docs/myob.md):

- No idempotency key: a create that may already have happened is looked up first: an invoice
  or quote by its Number, a payment by the tag in its Memo, an item by its Number or name (the
  engine looks a customer up itself). Found, it is updated instead (``matched``).
- Optimistic updates: a PUT carries the RowVersion just read; a 409 (someone changed the record
  meanwhile) reads it again and applies the hub's fields over the new version.
  https://apisupport.myob.com/hc/en-us/articles/360000497275
- No batch endpoint: the batch methods send one record per request.
- No webhooks: ``pull`` filters on ``LastModified``; ``current`` answers ``{}``.
- A deleted record answers 404 (or 410): ``fetch`` reports it deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from apps.integrations import mappings
from apps.integrations.contract import (
    PermanentError,
    PullPage,
    Pushed,
    RemoteChange,
    RemoteGone,
    SyncError,
    TransientError,
)
from apps.integrations.directory import may_be_same_person
from apps.integrations.wire import malformed_is_transient

from . import credits, limits, mapping, payouts
from .capabilities import CAPABILITIES
from .client import MyobClient, MyobConflict
from .credits import CreditsMixin
from .items import ItemMixin
from .ledger import LedgerMixin

_guarded = malformed_is_transient("MYOB")
# A PUT refused for a stale RowVersion is read and applied again this many times in all.
UPDATE_ATTEMPTS = 3
KIND_PATHS = {
    "customer": (mapping.CUSTOMERS,),
    "payment": (mapping.PAYMENTS,),
    **mapping.LAYOUTS,
    # A credit note is a sale invoice of negative total (credits.py).
    "credit_note": mapping.LAYOUTS["invoice"],
    "refund": (credits.REFUNDS,),
}


def pushed(row: dict, kind: str, name: str = "", *, matched: bool = False) -> Pushed:
    return Pushed(
        remote_id=mapping.uid_of(row, kind),
        remote_version=mapping.version_of(row, kind),
        remote_name=name,
        matched=matched,
    )


def payment_tag(key: str) -> str:
    return "hub:" + hashlib.sha256(key.encode()).hexdigest()[:12]


def _watermarks(since: str | None) -> dict[str, datetime]:
    try:
        stored = json.loads(since or "{}")
    except ValueError:
        return {}
    if not isinstance(stored, dict):
        return {}
    found = {}
    for kind, value in stored.items():
        try:
            found[kind] = mapping.parse_modified(value)
        except SyncError:
            continue
    return found


def _watermark_text(latest: dict[str, datetime]) -> str:
    times = {k: v.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] for k, v in sorted(latest.items())}
    return json.dumps(times, separators=(",", ":")) if times else ""


def _is_kind(kind: str, row: dict) -> bool:
    """Invoices and credit notes share MYOB's sale invoices: a negative total is a credit; the
    credit the hub made to carry a payment's refund is read as that refund, not as a credit
    note."""
    if kind == "invoice":
        return not credits.is_credit(row)
    if kind == "credit_note":
        return credits.is_credit(row) and not credits.is_carrier(row)
    return True


class MyobAdapter(CreditsMixin, ItemMixin, LedgerMixin):
    capabilities = CAPABILITIES

    def __init__(self, integration) -> None:
        self.integration = integration
        self.client = MyobClient(integration)
        self.linked_items: dict[int, str] = {}
        self._codes: list[dict] | None = None
        self._account_rows: list[dict] | None = None
        # Tax rates this adapter mapped by suggestion (apps.integrations.mappings.forget_made).
        self.tax_mapped_now: list[Decimal] = []

    # --- optimistic updates ---------------------------------------------------------------
    def updated(
        self, path: str, uid: str, build: Callable[[dict], dict], current: dict | None = None
    ) -> dict:
        """Read the record (unless ``current`` was just read), apply the hub's fields over it,
        PUT it with its RowVersion; on a 409 read it again and apply again (someone changed it
        between the read and the PUT)."""
        for _ in range(UPDATE_ATTEMPTS):
            current = current or self.client.get_one(path, uid)
            body = build(current)
            body["RowVersion"] = current["RowVersion"]
            try:
                return self.client.update(path, uid, body)
            except MyobConflict:
                current = None
        raise TransientError("MYOB kept answering that the record changed meanwhile (409).")

    # --- customers ------------------------------------------------------------------------
    @_guarded
    def find_customer(self, customer) -> Pushed | None:
        """By e-mail (any of the card's addresses), then by name with an e-mail that may be the
        same person's (docs/sync-rules.md, "Matching and duplicates")."""
        if customer.email:
            where = f"Addresses/any(a: a/Email eq {mapping.odata_text(customer.email)})"
            rows = self.client.get_where(mapping.CUSTOMERS, where)
            if rows:
                return pushed(rows[0], "a customer", mapping.card_name(rows[0]))
        for row in self.client.get_where(mapping.CUSTOMERS, self._name_filter(customer)):
            email = mapping.customer_from_myob(row).email
            if may_be_same_person(email, customer.email):
                return pushed(row, "a customer", mapping.card_name(row))
        return None

    @staticmethod
    def _name_filter(customer) -> str:
        fields = mapping.customer_fields(customer)
        if not fields["IsIndividual"]:
            return f"CompanyName eq {mapping.odata_text(fields['CompanyName'])}"
        return (
            f"LastName eq {mapping.odata_text(fields['LastName'])} and "
            f"FirstName eq {mapping.odata_text(fields['FirstName'])}"
        )

    @_guarded
    def push_customer(self, customer, remote_id: str | None, *, key: str) -> Pushed:
        def build(current: dict | None) -> dict:
            return mapping.customer_body(customer, current, tax_code_uid=self.card_tax_code())

        if remote_id is None:
            row = self.client.create(mapping.CUSTOMERS, build(None))
        else:
            row = self.updated(mapping.CUSTOMERS, remote_id, build)
        return pushed(row, "a customer", mapping.card_name(row))

    def find_customers(self, customers) -> dict[int, Pushed]:
        found = {}
        for customer in customers:
            match = self.find_customer(customer)
            if match is not None:
                found[customer.pk] = match
        return found

    def push_customers_batch(self, items) -> list[Pushed | Exception]:
        return [self._one(self.push_customer, c, r, key=k) for c, r, k in items]

    def creates_with_invoice(self, customer) -> bool:
        return False

    # --- documents ------------------------------------------------------------------------
    def _items_of(self, lines) -> dict[int, str]:
        """Line position → remote item UID when every line is of a linked item (the Item
        layout); otherwise {} (the Service layout, lines against an income account)."""
        uids = [self.linked_items.get(line.service_item_id or 0) for line in lines]
        return dict(enumerate(uids)) if uids and all(uids) else {}

    def _document_body(self, document, kind: str, customer_uid: str, layout: str) -> dict:
        with self.mappings_kept():
            return self._document_body_of(document, kind, customer_uid, layout)

    def _document_body_of(self, document, kind: str, customer_uid: str, layout: str) -> dict:
        lines = list(document.lines.all())
        codes = self.tax_codes_for(Decimal(document.tax_rate))
        items = self._items_of(lines) if layout.endswith("/Item") else {}
        if layout.endswith("/Item") and not items:
            raise PermanentError(
                f"This {kind} is an item sale in MYOB: every line must be a linked service item."
            )
        body_lines = mapping.document_lines(
            document,
            lines,
            taxable_uid=codes.taxable,
            exempt_uid=codes.exempt,
            account_uid="" if items else self.account_uid("Income", "income"),
            items=items,
            line_accounts={} if items else self.line_accounts(lines),
        )
        return mapping.document_body(document, body_lines, kind=kind, customer_uid=customer_uid)

    def _by_number(self, kind: str, number: str, customer_uid: str) -> str | None:
        """The UID of the customer's invoice or quote of that number, in any layout: one GET of
        the collection of every layout (``Sale/Invoice``, ``Sale/Quote``). The number held by
        another customer's document (made in MYOB) is refused rather than written over.
        https://developer.myob.com/api/myob-business-api/v2/sale/invoice/"""
        rows = self.client.get_where(
            mapping.ALL_LAYOUTS[kind], f"Number eq {mapping.odata_text(number)}"
        )
        if not rows:
            return None
        if str((rows[0].get("Customer") or {}).get("UID") or "") != customer_uid:
            raise PermanentError(
                f"MYOB already has a {kind} numbered {number} for another customer: "
                "renumber one of them."
            )
        return mapping.uid_of(rows[0], kind)

    def _locate(self, kind: str, uid: str) -> tuple[str, dict]:
        """The layout path holding the record, and the record (``RemoteGone`` in neither)."""
        paths = KIND_PATHS[kind]
        for path in paths[:-1]:
            try:
                return path, self.client.get_one(path, uid)
            except RemoteGone:
                continue
        return paths[-1], self.client.get_one(paths[-1], uid)

    def _push_document(self, document, kind, remote_id, customer_uid, *, look_first=True):
        mapping.number_fits(document.number, kind)
        matched = False
        if remote_id is None:
            # No idempotency key: an earlier attempt whose answer was lost may have made it.
            found = self._by_number(kind, document.number, customer_uid) if look_first else None
            if found is None:
                lines = list(document.lines.all())
                layout = mapping.LAYOUTS[kind][1 if self._items_of(lines) else 0]
                body = self._document_body(document, kind, customer_uid, layout)
                row = self.client.create(layout, body)
                return self._pushed_document(row, kind)
            remote_id, matched = found, True
        layout, row = self._locate(kind, remote_id)

        def build(current: dict) -> dict:
            body = self._document_body(document, kind, customer_uid, layout)
            return {**current, **body}

        row = self.updated(layout, remote_id, build, current=row)
        return self._pushed_document(row, kind, matched)

    def _pushed_document(self, row: dict, kind: str, matched: bool = False) -> Pushed:
        change = self._read(kind, row)
        return Pushed(
            remote_id=change.remote_id,
            remote_version=change.record.remote_version,
            remote_name=change.record.number,
            matched=matched,
            document=change.record,
        )

    @_guarded
    def push_invoice(self, invoice, remote_id, *, customer_remote_id: str, key: str) -> Pushed:
        return self._push_document(invoice, "invoice", remote_id, customer_remote_id)

    @_guarded
    def push_quote(self, quote, remote_id, *, customer_remote_id: str, key: str) -> Pushed:
        return self._push_document(quote, "quote", remote_id, customer_remote_id)

    def push_invoices_batch(self, items, *, unsent=frozenset()) -> list[Pushed | Exception]:
        """One request per invoice (MYOB has no batch endpoint); an invoice whose key never
        left the hub is not looked up first."""
        results: list[Pushed | Exception] = []
        with self.mappings_kept():
            for invoice, remote_id, customer, key in items:
                push = self._guarded_document
                results.append(
                    self._one(push, invoice, remote_id, customer, look_first=key not in unsent)
                )
        return results

    @_guarded
    def _guarded_document(self, invoice, remote_id, customer, *, look_first) -> Pushed:
        if not isinstance(customer, str):
            raise PermanentError("MYOB cannot create a customer inside an invoice.")
        return self._push_document(invoice, "invoice", remote_id, customer, look_first=look_first)

    @staticmethod
    def _one(call, *args, **kwargs) -> Pushed | Exception:
        try:
            return call(*args, **kwargs)
        except SyncError as exc:
            return exc

    # --- payouts --------------------------------------------------------------------------
    @_guarded
    def push_payout(self, payout, accounts, *, key: str) -> Pushed:
        """A transfer of the payout's amount from the clearing account to the bank, and the
        fees spent from the clearing account (``payouts.py``). No idempotency key: each is
        looked up by its Memo first (unique per payout), so a retry after either makes
        neither again."""
        for role, uid in (
            ("stripe_clearing", accounts.clearing),
            ("card_fees", accounts.fees),
            ("payout_bank", accounts.bank),
        ):
            self._still_active(uid, role)
        self._bank_only(accounts.clearing, "stripe_clearing")
        transfer, matched = self._once(
            payouts.TRANSFERS,
            payouts.transfer_memo(payout),
            lambda: payouts.transfer_to_myob(payout, accounts),
        )
        if payout.fees:
            self._once(
                payouts.SPENDS,
                payouts.fees_memo(payout),
                lambda: payouts.fees_to_myob(payout, accounts, tax_code_uid=self._fees_tax_code()),
            )
        return pushed(transfer, "a transfer", matched=matched)

    def _once(self, path: str, memo: str, build: Callable[[], dict]) -> tuple[dict, bool]:
        """The record of that Memo an earlier attempt made, else a new one."""
        found = self.client.get_where(path, f"Memo eq {mapping.odata_text(memo)}")
        if found:
            return found[0], True
        return self.client.create(path, build()), False

    def _bank_only(self, uid: str, role: str) -> None:
        """MYOB transfers and spends money only from bank accounts: a clearing account of
        another type is held back for the mapping rather than refused by MYOB."""
        row = next((a for a in self._accounts() if str(a.get("UID")) == uid), {})
        if row.get("Type") not in ("Bank", "CreditCard"):
            raise mappings.account_gone(
                "MYOB", role, str(row.get("DisplayID") or uid), "is not a bank account"
            )

    def _fees_tax_code(self) -> str:
        """GST on an Australian file's Stripe fees, N-T elsewhere (``payouts.py``)."""
        wanted = (
            payouts.FEES_CODE
            if getattr(self.integration, "currency", "") == payouts.FEES_WITH_GST
            else payouts.FEES_CODE_ELSEWHERE
        )
        found = self._codes_named([wanted])
        if not found:
            raise PermanentError(f"The MYOB company file has no {wanted} tax code for Stripe fees.")
        return found[0]

    # --- payments -------------------------------------------------------------------------
    @_guarded
    def push_payment(self, payment, *, customer_remote_id, invoice_remote_id, key) -> Pushed:
        if not invoice_remote_id:
            raise PermanentError("MYOB records a customer payment only against an invoice.")
        memo = mapping.payment_memo(payment, payment_tag(key))
        # No idempotency key: the Memo's tag finds a payment an earlier attempt made.
        found = self.client.get_where(mapping.PAYMENTS, f"Memo eq {mapping.odata_text(memo)}")
        if found:
            return pushed(found[0], "a payment", matched=True)
        body = mapping.payment_body(
            payment,
            customer_uid=customer_remote_id,
            invoice_uid=invoice_remote_id,
            account_uid=self.payment_account_uid(payment),
            memo=memo,
        )
        return pushed(self.client.create(mapping.PAYMENTS, body), "a payment")

    # --- void -----------------------------------------------------------------------------
    @_guarded
    def void(self, kind: str, remote_id: str) -> Pushed:
        """A customer card is made inactive; a sale or payment is deleted (MYOB has no void;
        a file whose preferences say transactions must be reversed refuses, shown as is)."""
        if kind == "credit_note":
            return self._void_credit_note(remote_id)
        if kind == "refund":
            return self._void_refund(remote_id)
        if kind == "customer":

            def inactive(current: dict) -> dict:
                return {**current, "IsActive": False}

            row = self.updated(mapping.CUSTOMERS, remote_id, inactive)
            return pushed(row, "a customer", mapping.card_name(row))
        try:
            path, _ = self._locate(kind, remote_id)
        except RemoteGone:
            return Pushed(remote_id=remote_id, remote_version="deleted")
        self.client.delete(path, remote_id)
        return Pushed(remote_id=remote_id, remote_version="deleted")

    # --- pull -----------------------------------------------------------------------------
    def _read(self, kind: str, row: dict) -> RemoteChange:
        if kind == "credit_note":
            return self.credit_from_myob(row)
        if kind == "refund":
            return credits.refund_from_myob(row)
        rates = self.rates() if kind in mapping.LAYOUTS else {}
        return mapping.change_from_myob(
            kind, row, rates=rates, currency=getattr(self.integration, "currency", "")
        )

    @_guarded
    def pull(self, kinds: Sequence[str], since: str | None) -> Iterator[PullPage]:
        """Each kind from its own watermark (the latest LastModified read from it), filtered
        with ``$filter=LastModified gt datetime'...'``, oldest first, 1,000 a page.
        https://developer.myob.com/api/accountright/api-overview/retrieving-data/

        The last page of each kind carries the watermark with that kind moved on, so a pull
        stopped by the limiter (in a worker it stops at once rather than wait: MYOB's 8 calls a
        second are a few kinds' worth) resumes after the kinds it finished instead of starting
        again from the first, which would never get past the first second. A kind moves only
        once all its layouts are read: the Item layout can hold older records than the Service
        layout's newest."""
        latest = _watermarks(since)
        previous = dict(latest)
        for kind in kinds:
            pending: list[RemoteChange] | None = None
            for path in KIND_PATHS.get(kind, ()):
                for rows in self._rows_changed(path, previous.get(kind)):
                    if pending is not None:
                        yield PullPage(changes=pending, watermark="", more=True)
                    pending = [self._read(kind, row) for row in rows if _is_kind(kind, row)]
                    self._newest(latest, kind, rows)
            yield PullPage(changes=pending or [], watermark=_watermark_text(latest), more=True)
        yield PullPage(changes=[], watermark=_watermark_text(latest), more=False)

    @staticmethod
    def _newest(latest: dict[str, datetime], kind: str, rows: list[dict]) -> None:
        newest = max(mapping.parse_modified(r.get("LastModified")) for r in rows)
        latest[kind] = max(newest, latest.get(kind, newest))

    def _rows_changed(self, path: str, watermark: datetime | None) -> Iterator[list[dict]]:
        odata_filter = ""
        if watermark is not None:
            since = watermark - timedelta(seconds=limits.PULL_OVERLAP_SECONDS)
            odata_filter = f"LastModified gt {mapping.odata_time(since)}"
        skip = 0
        while True:
            params = {"$orderby": "LastModified", "$top": limits.PULL_PAGE_SIZE, "$skip": skip}
            if odata_filter:
                params["$filter"] = odata_filter
            rows, more = self.client.get_page(path, params)
            if rows:
                yield rows
            if not more or not rows:
                return
            skip += len(rows)

    @_guarded
    def fetch(self, kind: str, remote_id: str) -> RemoteChange:
        try:
            _, row = self._locate(kind, remote_id)
        except RemoteGone:
            return RemoteChange(kind=kind, remote_id=remote_id, deleted=True)
        return self._read(kind, row)

    def current(self, kind: str, remote_ids: Sequence[str]) -> dict[str, RemoteChange]:
        """No webhooks name MYOB records: the engine pulls instead."""
        return {}
