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
from apps.integrations import mappings, reference_cache
from apps.integrations.contract import (
    AccountKind,
    LedgerDefaults,
    PermanentError,
    PullPage,
    Pushed,
    RemoteAccount,
    RemoteChange,
    RemoteGone,
    RemoteTaxCode,
    SyncError,
)
from apps.integrations.directory import may_be_same_person
from apps.integrations.wire import malformed_is_transient

from . import limits, mapping, notifications, payouts
from .batches import DUPLICATE_NAME, BatchSender, pushed
from .capabilities import CAPABILITIES
from .client import XeroClient, XeroValidation
from .credits import CreditsMixin
from .items import ItemMixin
from .versions import VersionsMixin

_guarded = malformed_is_transient("Xero")

DUPLICATE_NAME_ATTEMPTS = 5
# The tax types of a sale outside the tax, in order of preference: "No Tax", and Australia's
# "GST Free Income" (an Australian organisation has no NONE; its first 0 % rate on revenue is
# "GST Free Exports"). https://developer.xero.com/documentation/api/accounting/types#tax-types
EXEMPT_SALES_TYPES = ("NONE", "EXEMPTOUTPUT")
TAX_RATES, ACCOUNTS = "tax-rates", "accounts"
# A pull's filter per kind: sales invoices, sales credit notes, and refunds (payments of them).
WHERE = {
    "invoice": 'Type=="ACCREC"',
    "credit_note": 'Type=="ACCRECCREDIT"',
    "refund": 'PaymentType=="ARCREDITPAYMENT"',
}
# Kind → the kind whose records a change of it always touches (see ``pull``).
PAID_ON = {"payment": "invoice", "refund": "credit_note"}
# The watermark's entry for when credit notes were last read (the hub's clock), see ``pull``.
CREDIT_NOTES_READ = "cn_read"
# A tenant that got a webhook this recently gets them (as the engine's schedule counts it).
WEBHOOKS_SEEN_WITHIN = timedelta(days=30)


# Where a tax rate may be used (TaxRates: CanApplyToRevenue ...), in the hub's account kinds.
# https://developer.xero.com/documentation/api/accounting/taxrates
TAX_SCOPES = (
    ("CanApplyToRevenue", (AccountKind.INCOME,)),
    ("CanApplyToExpenses", (AccountKind.EXPENSE,)),
    ("CanApplyToAssets", (AccountKind.BANK, AccountKind.CURRENT_ASSET)),
    ("CanApplyToLiabilities", (AccountKind.OTHER,)),
)
# Account types of the current-asset class that may hold money on its way to the bank.
# https://developer.xero.com/documentation/api/accounting/types#accounts
CURRENT_ASSET_TYPES = ("CURRENT", "PREPAYMENT", "INVENTORY")


def _ids_of(row: dict) -> tuple[str, ...]:
    return tuple(str(v) for v in (row.get("Code"), row.get("AccountID")) if v)


def _remote_account(row: dict) -> RemoteAccount:
    """Accounts are named by Code (lines and payments take it); a bank account without one by
    its AccountID."""
    kind_of_class = {"REVENUE": AccountKind.INCOME, "EXPENSE": AccountKind.EXPENSE}
    account_type = str(row.get("Type") or "")
    if account_type == "BANK":
        kind = AccountKind.BANK
    elif row.get("SystemAccount"):
        # Accounts Receivable, GST, Rounding ...: Xero posts to them itself.
        kind = AccountKind.OTHER
    elif account_type in CURRENT_ASSET_TYPES:
        kind = AccountKind.CURRENT_ASSET
    else:
        kind = kind_of_class.get(str(row.get("Class") or ""), AccountKind.OTHER)
    return RemoteAccount(
        remote_id=str(row.get("Code") or row.get("AccountID") or ""),
        name=str(row.get("Name") or ""),
        kind=kind,
        type_name=account_type.title(),
        number=str(row.get("Code") or ""),
        active=row.get("Status") == "ACTIVE",
        takes_payments=account_type == "BANK" or bool(row.get("EnablePaymentsToAccount")),
    )


def refused_for_settings(messages: Sequence[str]) -> bool:
    """Xero refused a document for a tax type or an account code it does not take (any more):
    "The TaxType code 'X' does not exist or cannot be used ...", "Account code '200' is not a
    valid code ..." (https://developer.xero.com/documentation/api/accounting/invoices)."""
    return any("TaxType" in m or "Account code" in m for m in messages)


def _updated(kind: str, row: dict) -> datetime:
    return mapping.parse_timestamp(mapping.version_of(row, kind), "UpdatedDateUTC")


def _kept(kind: str, row: dict) -> bool:
    """Whether a row read for ``kind`` is one: refunds are Payments too (of credit notes) and
    are read as kind "refund"; the credit note carrying a payment's refund is the refund's, not
    one of its own. Left-out rows still move the watermark."""
    if kind == "payment":
        return not row.get("CreditNote")
    if kind == "credit_note":
        return not mapping.is_refund_carrier(row)
    return True


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
    if isinstance(value, int) and not isinstance(value, bool):
        return mapping.EPOCH + timedelta(milliseconds=value)
    try:
        return mapping.parse_timestamp(value)
    except SyncError:
        return None


def _watermark_text(latest: dict[str, datetime]) -> str:
    """Short enough for the engine's 200 characters with six kinds: each time in milliseconds
    since 1970 (an ISO time, as older watermarks hold, is still read)."""
    if not latest:
        return ""
    times = {
        kind: (moment.astimezone(UTC) - mapping.EPOCH) // timedelta(milliseconds=1)
        for kind, moment in sorted(latest.items())
    }
    return json.dumps(times, separators=(",", ":"))


class XeroAdapter(CreditsMixin, ItemMixin, VersionsMixin, mappings.KeepsMappings):
    capabilities = CAPABILITIES

    def __init__(self, integration) -> None:
        self.integration = integration
        self.client = XeroClient(integration)
        self._tax_rates: list[dict] | None = None
        # Tax rates this adapter mapped by suggestion (apps.integrations.mappings.forget_made).
        self.tax_mapped_now: list[Decimal] = []
        self._accounts: list[dict] | None = None
        self.linked_items: dict[int, str] = {}
        self._item_codes: dict[str, str] = {}
        self.batches = BatchSender(
            self.client, document_body=self._document_body, push_customer=self.push_customer
        )

    # --- many per request (the nightly export): the batch sender ----------------------------
    def push_invoices_batch(self, items, *, unsent=frozenset()) -> list[Pushed | Exception]:
        with self.mappings_kept():
            return self._invoices_batch(items, unsent)

    def _invoices_batch(self, items, unsent) -> list[Pushed | Exception]:
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

    def _account_code(self, kind: str, preferred: str, role: str = "") -> str:
        """The account mapped to ``role`` (docs/mapping.md), else ``preferred``, else the
        first active account of ``kind``. A mapped account Xero archived or deleted holds the
        document back rather than posting it elsewhere."""
        mapped = self.mapping_rows.account(role) if role else ""
        if mapped:
            return self._still_active(mapped, role)
        accounts = self._accounts_of(kind)
        if not accounts:
            raise PermanentError(f"Xero has no active {kind.lower()} account.")
        codes = [str(a.get("Code") or "") for a in accounts]
        return preferred if preferred in codes else next((c for c in codes if c), codes[0])

    def _still_active(self, remote_id: str, role: str) -> str:
        self._accounts_of("REVENUE")  # the tenant's accounts, kept
        row = next((a for a in self._accounts if remote_id in _ids_of(a)), None)
        if row is not None and row.get("Status") == "ACTIVE":
            return remote_id
        what = "was deleted" if row is None else "is archived"
        raise mappings.account_gone("Xero", role, remote_id, what)

    def _line_accounts(self, lines) -> dict[int, str]:
        """Service item id → the income account its lines post to, where it has its own."""
        own = self.mapping_rows.items()
        wanted = {line.service_item_id for line in lines if line.service_item_id in own}
        return {item_id: self._still_active(own[item_id], "income") for item_id in wanted}

    def _line_accounts_of(self, item_id: int) -> str:
        own = self.mapping_rows.items().get(item_id)
        return self._still_active(own, "income") if own else ""

    def list_accounts(self) -> list[RemoteAccount]:
        self._accounts_of("REVENUE")
        return [_remote_account(row) for row in self._accounts]

    def list_tax_codes(self) -> list[RemoteTaxCode]:
        return [
            RemoteTaxCode(
                str(row["TaxType"]),
                str(row.get("Name") or row["TaxType"]),
                Decimal(str(row.get("EffectiveRate", 0))),
                frozenset(k for flag, ks in TAX_SCOPES if row.get(flag, True) for k in ks),
            )
            for row in self._load_tax_rates()
            if row.get("Status") == "ACTIVE"
        ]

    def ledger_defaults(self, accounts, codes) -> LedgerDefaults:
        """Lines went to revenue account 200 (else the first), payments to bank account 090
        (else the first); untaxed lines to No Tax, else GST Free Income, else any 0 % rate."""
        income = self._account_code("REVENUE", "200") if self._accounts_of("REVENUE") else ""
        bank = self._account_code("BANK", "090") if self._accounts_of("BANK") else ""
        return LedgerDefaults(
            income_account=income, payments_account=bank, exempt_codes=EXEMPT_SALES_TYPES
        )

    def _read(self, kind: str, row: dict) -> RemoteChange:
        """One answered record; a document's lines are read with the tenant's tax rates."""
        if kind not in ("invoice", "quote", "credit_note"):
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
        mappings.forget_made(self.integration, self.tax_mapped_now)
        self.mappings_changed()

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

        codes = [
            RemoteTaxCode(str(r["TaxType"]), str(r.get("Name") or r["TaxType"]), rate_of(r))
            for r in usable
        ]

        @mappings.read_once
        def reread() -> list[RemoteTaxCode]:
            self._tax_rates = None
            reference_cache.forget(self.integration, TAX_RATES)
            return self.list_tax_codes()

        rows = self.mapping_rows
        found = mappings.tax_code_for(
            self.integration,
            Decimal(0),
            codes,
            exempt_order=EXEMPT_SALES_TYPES,
            reread=reread,
            made=self.tax_mapped_now,
            rows=rows,
        )
        exempt = found.code if found else "NONE"
        if not rate:
            return mapping.TaxTypes(taxable=exempt, taxable_rate=Decimal(0), exempt=exempt)
        taxable = mappings.tax_code_for(
            self.integration, rate, codes, reread=reread, made=self.tax_mapped_now, rows=rows
        )
        if taxable is None:
            row = self._create_tax_rate(rate)
            taxable = RemoteTaxCode(str(row["TaxType"]), str(row.get("Name") or ""), rate)
            mappings.remember_tax_code(
                self.integration, rate, taxable, made=self.tax_mapped_now, rows=rows
            )
        return mapping.TaxTypes(taxable=taxable.code, taxable_rate=rate, exempt=exempt)

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
        with self.mappings_kept():
            return self._document_body_of(document, kind, contact_id)

    def _document_body_of(self, document, kind: str, contact_id: str) -> dict:
        lines = list(document.lines.all())
        body = mapping.document_to_xero(
            document,
            lines,
            kind=kind,
            contact_id=contact_id,
            tax_types=self._tax_types(Decimal(document.tax_rate)),
            account_code=self._account_code("REVENUE", "200", "income"),
            line_accounts=self._line_accounts(lines),
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
    def push_payout(self, payout, accounts, *, key: str) -> Pushed:
        """A bank transfer of the payout's amount from the clearing account to the bank, and
        the fees spent from the clearing account. Each request has its own key derived from
        ``key``, so a retry after either one repeats neither."""
        made = []
        if payout.amount:
            transfer = self.client.create(
                "BankTransfers", payouts.transfer_to_xero(payout, accounts), key=f"{key}-transfer"
            )
            made.append((transfer, "BankTransferID", "bank transfer"))
        if payout.fees:
            contact_id = self._stripe_contact(key)
            fees = self.client.create(
                "BankTransactions",
                payouts.fees_to_xero(payout, accounts, contact_id=contact_id),
                key=f"{key}-fees",
            )
            made.append((fees, "BankTransactionID", "bank transaction"))
        if not made:
            raise PermanentError("The payout moves no money: nothing to record.")
        record, field, what = made[0]
        return Pushed(
            remote_id=mapping.required(record, field, what),
            remote_version=mapping.version_of(record, what),
        )

    def _stripe_contact(self, key: str) -> str:
        """The contact Stripe's fees are spent to, made the first time."""
        found = self._contact_where("Name", payouts.STRIPE_CONTACT)
        if found is None:
            found = self.client.create(
                "Contacts", {"Name": payouts.STRIPE_CONTACT}, key=f"{key}-contact"
            )
        return mapping.required(found, "ContactID", "contact")

    @_guarded
    def push_payment(self, payment, *, customer_remote_id, invoice_remote_id, key) -> Pushed:
        if not invoice_remote_id:
            raise PermanentError("Xero records a payment only against an invoice.")
        body = mapping.payment_to_xero(
            payment,
            invoice_id=invoice_remote_id,
            account_code=self._payment_account(payment),
        )
        return pushed(self.client.create("Payments", body, key=key), "payment")

    def _payment_account(self, payment) -> str:
        """The mapped account (the Stripe clearing account for a card payment Stripe pays
        out, docs/payouts.md), else Xero's bank account 090, else the first."""
        with self.mappings_kept() as rows:
            role = mappings.payment_role(self.integration, payment, rows=rows)
            return self._account_code("BANK", "090", role)

    # --- void -----------------------------------------------------------------------------
    @_guarded
    def void(self, kind: str, remote_id: str) -> Pushed:
        if kind == "credit_note":
            return self._void_credit_note(remote_id)
        if kind == "refund":
            return self._void_refund(remote_id)
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
            holder = PAID_ON.get(kind)
            if holder and previous and latest.get(holder) == previous.get(holder):
                # A payment made or deleted in Xero changes its invoice's AmountPaid and so its
                # UpdatedDateUTC (a refund its credit note's RemainingCredit): with no invoice
                # (credit note) newer than the watermark (the overlap's re-reads do not count)
                # there is no payment (refund) to read.
                continue
            if kind == "credit_note":
                if not self._credit_notes_due(previous, latest):
                    continue
                latest[CREDIT_NOTES_READ] = datetime.now(UTC)
            for rows in self._rows_changed(kind, previous.get(kind)):
                if pending is not None:
                    yield PullPage(changes=pending, watermark="", more=True)
                pending = [self._read(kind, row) for row in rows if _kept(kind, row)]
                newest = max(_updated(kind, row) for row in rows)
                latest[kind] = max(newest, latest.get(kind, newest))
        yield PullPage(changes=pending or [], watermark=_watermark_text(latest), more=False)

    def _credit_notes_due(self, previous: dict, latest: dict) -> bool:
        """Whether this pull reads credit notes (docs/pulls.md, "Credit notes"): on a first or
        full pull; when an invoice moved (allocating a credit note, or taking its allocation
        back, changes the invoice's AmountCredited and so its UpdatedDateUTC); when a
        CREDITNOTE webhook came since they were last read; and at least every
        ``CREDIT_NOTES_READ_AT_LEAST_EVERY_SECONDS`` (an hour) in a tenant without webhooks, and
        every day in one with them, for a credit note that touches no invoice (unallocated, or
        refunded). A quiet pull then costs contacts, quotes and invoices: 3 requests."""
        read_at = previous.get(CREDIT_NOTES_READ)
        if not previous or read_at is None or latest.get("invoice") != previous.get("invoice"):
            return True
        if notifications.credit_note_announced(self.integration, read_at):
            return True
        now = datetime.now(UTC)
        if now - read_at >= timedelta(seconds=limits.CREDIT_NOTES_READ_WITH_WEBHOOKS_EVERY_SECONDS):
            return True
        every = timedelta(seconds=limits.CREDIT_NOTES_READ_AT_LEAST_EVERY_SECONDS)
        return now - read_at >= every and not notifications.webhooks_arrive(
            self.integration, now - WEBHOOKS_SEEN_WITHIN
        )

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
            if kind in WHERE:
                params["where"] = WHERE[kind]
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
