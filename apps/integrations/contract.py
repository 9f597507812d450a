"""The contract between the sync engine and a provider: what every provider folder implements
and declares, and all the engine knows about providers (see docs/providers.md).

The engine decides *what* to send and *when*; an adapter knows *how*: it maps hub records to the
provider's JSON, talks HTTP through its ``client`` module and turns every answer into a ``Pushed``
result, neutral ``Remote*`` records, or a ``SyncError``. What a provider can and cannot do is
declared once in its ``Capabilities``; the engine asks them instead of naming a provider.

Adapters never write hub models and never read or write Links: the engine does both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from apps.catalog.models import ServiceItem
    from apps.customers.models import Customer
    from apps.integrations.models import Integration
    from apps.invoices.models import CreditNote, Invoice, Payment, Refund
    from apps.payouts.models import Payout
    from apps.quotes.models import Quote
    from apps.timesheets.models import TimeEntry


@dataclass(frozen=True)
class Capabilities:
    """What a provider's API offers, declared once by its folder and read by the engine and
    the pages (never ``getattr`` on an adapter, never a provider name)."""

    # Records per request of the provider's batch API (QBO /batch, Xero elements per PUT).
    batch_size: int
    # ``find_customers`` answers for many customers in a few requests; otherwise the engine
    # asks ``find_customer`` one by one.
    finds_customers_in_bulk: bool = False
    # ``push_customers_batch`` creates and updates customers through the batch API; otherwise
    # the engine sends ``push_customer`` one by one.
    pushes_customers_in_batch: bool = False
    # ``creates_with_invoice`` may say yes: the invoice's request creates its new customer.
    creates_customer_with_invoice: bool = False
    # Approved time entries can be sent as time activities (``push_time_entry``), under the
    # employees ``list_employees`` names.
    time_activities: bool = False
    # Quotes (estimates) can be sent and pulled.
    quotes: bool = True
    # The request header (or parameter) that makes a repeated create return the first answer.
    idempotency: str = ""
    # Signed change notifications arrive at the hub's webhook for this provider.
    webhooks: bool = False
    # Stripe payouts can be recorded (``push_payout``): the deposit of a payout's charges from
    # the clearing account into the bank, less the card fees (docs/payouts.md).
    payouts: bool = False
    # Credit notes against an invoice are pushed (``push_credit_note``, allocated to the
    # invoice), voided (``void("credit_note", ...)``) and pulled (kind "credit_note")
    # (docs/credit-notes.md).
    credit_notes: bool = False
    # Refunds of payments are pushed (``push_refund``), voided and pulled (kind "refund").
    refunds: bool = False
    # Refunds of a credit note's remaining credit, too (``push_refund`` with a credit note).
    credit_note_refunds: bool = False


# --- records ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Pushed:
    """Where a record now lives in the integration."""

    remote_id: str
    remote_version: str  # QBO SyncToken, Xero UpdatedDateUTC
    remote_name: str = ""  # e.g. the display name QBO finally accepted
    matched: bool = False  # an existing record was found and updated rather than created
    # The customer created together with this invoice (see ``NewCustomer``).
    customer: Pushed | None = None
    # An invoice or quote as the integration now holds it, read from its answer with the same
    # reader a pull uses: the engine keeps it on the link to compare later pulls with.
    document: RemoteDocument | None = None


@dataclass(frozen=True)
class PayoutAccounts:
    """The integration's accounts a Stripe payout moves money between (its account mapping):
    the clearing account card payments wait on, the card-fees expense account and the bank
    account the payout lands in. Ids in the integration's chart of accounts."""

    clearing: str
    fees: str
    bank: str


@dataclass(frozen=True)
class NewCustomer:
    """Stands for the remote customer of an invoice when the adapter creates that customer in
    the same request as the invoice (Xero: a Contact given by its details instead of a
    ContactID), which saves a request per 50 new customers in the nightly export. The
    invoice's ``Pushed.customer`` then says where the customer was created."""

    customer: Customer


@dataclass(frozen=True)
class RemoteCustomer:
    remote_id: str
    remote_version: str
    display_name: str
    given_name: str = ""
    family_name: str = ""
    company_name: str = ""
    email: str = ""
    phone: str = ""
    billing_line1: str = ""
    billing_line2: str = ""
    billing_city: str = ""
    billing_region: str = ""
    billing_postal_code: str = ""
    billing_country: str = ""
    active: bool = True


@dataclass(frozen=True)
class RemoteEmployee:
    remote_id: str
    name: str
    active: bool = True


class AccountKind:
    """What an account of a ledger's chart is, in the hub's words (docs/mapping.md)."""

    INCOME = "income"
    BANK = "bank"
    CURRENT_ASSET = "current_asset"
    EXPENSE = "expense"
    OTHER = "other"


@dataclass(frozen=True)
class RemoteAccount:
    """One account of the integration's chart of accounts."""

    remote_id: str  # what documents name it by: QBO Account Id, Xero Code, MYOB UID
    name: str
    kind: str  # an ``AccountKind``
    type_name: str  # the ledger's own type, shown to staff
    number: str = ""  # the account number or code shown beside its name
    active: bool = True  # False: archived, inactive, or a header that takes no postings
    # Payments may be deposited to it (QBO: a bank or other current asset account; Xero: BANK
    # or EnablePaymentsToAccount; MYOB: a bank account).
    takes_payments: bool = False


@dataclass(frozen=True)
class RemoteTaxCode:
    """A tax code a sales line may carry: QBO TaxCode, Xero TaxType, MYOB TaxCode."""

    code: str  # what documents name it by: QBO TaxCode Id, Xero TaxType, MYOB UID
    name: str
    rate: Decimal
    # Account kinds it may be used on; empty: any (Xero's CanApplyToRevenue and the like).
    account_kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LedgerDefaults:
    """What the adapter chooses by itself when nothing is mapped: the suggestions."""

    income_account: str = ""
    payments_account: str = ""
    # The codes (``RemoteTaxCode.code``) for untaxed lines, preferred first.
    exempt_codes: tuple[str, ...] = ()
    # Codes that win among several of one taxable rate (MYOB's GST over CAP, both 10 %).
    preferred_codes: tuple[str, ...] = ()
    # The ledger takes no tax code on lines (QuickBooks US: tax is folded into prices).
    no_tax_codes: bool = False


@dataclass(frozen=True)
class RemoteLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    item_name: str = ""
    discount_percent: Decimal = Decimal("0")
    taxable: bool = True
    line_id: str = ""  # the integration's own id of the line, when it has one
    # The ledger's own figures, for comparing and for the Sync Log (docs/money.md): its tax
    # code or type for the line, and the line's amount as the ledger shows it.
    tax_code: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class RemoteDocument:
    """An invoice (QBO Invoice / Xero ACCREC invoice) or a quote (QBO Estimate / Xero Quote).

    ``status`` uses the hub's vocabulary (Invoice.Status / Quote.Status values)."""

    kind: str  # "invoice" or "quote"
    remote_id: str
    remote_version: str
    customer_remote_id: str
    number: str
    issue_date: date
    status: str
    currency: str
    lines: list[RemoteLine] = field(default_factory=list)
    due_date: date | None = None  # invoices: due date; quotes: expiry date
    billing_email: str = ""
    discount_percent: Decimal = Decimal("0")
    # Set when the integration holds the document discount as a fixed amount: its percent is
    # then worked out from the lines, and moves when they change although nobody touched it.
    discount_amount: Decimal | None = None
    tax_rate: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    amount_paid: Decimal = Decimal("0")
    # The ledger's totals before tax (after every discount) and of tax, rounding lines included.
    net_total: Decimal | None = None
    tax_total: Decimal | None = None


@dataclass(frozen=True)
class RemotePayment:
    remote_id: str
    remote_version: str
    customer_remote_id: str
    date: date
    amount: Decimal
    # (remote invoice id, amount applied to it)
    applied_to: list[tuple[str, Decimal]] = field(default_factory=list)
    method: str = ""
    reference: str = ""
    voided: bool = False


@dataclass(frozen=True)
class RemoteCreditNote:
    """A credit note of the ledger (QBO CreditMemo / Xero ACCRECCREDIT credit note / MYOB
    credit), as neutral as an invoice (docs/credit-notes.md).

    ``status`` is the hub's CreditNote.Status value: "issued" (or "draft" when the ledger holds
    a draft, which the hub leaves out) or "void". ``applied_to`` lists the invoices the credit
    was allocated to, by remote invoice id, with the amount each got: the hub takes the first
    one it knows as the credit note's invoice."""

    remote_id: str
    remote_version: str
    customer_remote_id: str
    number: str
    issue_date: date
    status: str
    currency: str
    lines: list[RemoteLine] = field(default_factory=list)
    applied_to: list[tuple[str, Decimal]] = field(default_factory=list)
    discount_percent: Decimal = Decimal("0")
    tax_rate: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    # Credit neither allocated nor refunded yet (QBO RemainingCredit, Xero RemainingCredit).
    remaining_credit: Decimal | None = None
    reason: str = ""
    net_total: Decimal | None = None
    tax_total: Decimal | None = None


@dataclass(frozen=True)
class RemoteRefund:
    """Money paid back to a customer (QBO RefundReceipt / a Xero refund payment of a credit note
    or an overpayment). ``payment_remote_id`` or ``credit_note_remote_id`` names what was paid
    back when the ledger ties the refund to it; a refund tied to neither is left out of the
    hub (nothing to hold it against)."""

    remote_id: str
    remote_version: str
    customer_remote_id: str
    date: date
    amount: Decimal
    payment_remote_id: str = ""
    credit_note_remote_id: str = ""
    method: str = ""
    reference: str = ""
    voided: bool = False


@dataclass(frozen=True)
class RemoteChange:
    kind: str  # "customer", "invoice", "quote", "payment", "credit_note", "refund"
    remote_id: str
    deleted: bool = False
    record: (
        RemoteCustomer | RemoteDocument | RemotePayment | RemoteCreditNote | RemoteRefund | None
    ) = None


@dataclass(frozen=True)
class PullPage:
    changes: list[RemoteChange]
    # Opaque watermark to store and pass back as ``since`` on the next pull.
    watermark: str
    more: bool = False


class Adapter(Protocol):
    integration: Integration
    capabilities: Capabilities
    # Service item id → remote item id, set by the engine before a document push: lines of a
    # linked service item refer to that remote item (docs/sync-rules.md, "Service items").
    linked_items: dict[int, str]
    # Tax rates mapped by suggestion since the batch began, undone by ``forget_settings``
    # (apps.integrations.mappings.forget_made).
    tax_mapped_now: list[Decimal]

    # --- push: every create carries ``key`` (QBO requestid / Xero Idempotency-Key) -------
    def find_customer(self, customer: Customer) -> Pushed | None:
        """The integration's customer for this person: by e-mail, then display name."""

    def push_customer(self, customer: Customer, remote_id: str | None, *, key: str) -> Pushed:
        """Create (remote_id None) or update. A refused duplicate name never loses the customer."""

    def push_invoice(
        self, invoice: Invoice, remote_id: str | None, *, customer_remote_id: str, key: str
    ) -> Pushed: ...

    def push_quote(
        self, quote: Quote, remote_id: str | None, *, customer_remote_id: str, key: str
    ) -> Pushed: ...

    def push_payment(
        self,
        payment: Payment,
        *,
        customer_remote_id: str,
        invoice_remote_id: str | None,
        key: str,
    ) -> Pushed:
        """A Payment applied to the invoice, or a SalesReceipt (QBO) when there is none."""

    def void(self, kind: str, remote_id: str) -> Pushed:
        """Cancel a linked record: QBO void, Xero VOIDED / DELETED. Kinds "credit_note" and
        "refund" too, when the capabilities offer them."""

    def push_credit_note(
        self,
        credit_note: CreditNote,
        *,
        customer_remote_id: str,
        invoice_remote_id: str,
        key: str,
    ) -> Pushed:
        """Create the issued credit note with its lines (taxed as its invoice's are) and
        allocate ``credit_note.amount_allocated`` of it to the invoice (nothing when 0): QBO a
        CreditMemo and a Payment of 0 linking both, Xero an ACCRECCREDIT CreditNote and an
        Allocation. ``remote_id`` of the answer is the credit note's. A retry under the same
        ``key`` never makes a second credit note nor a second allocation. Called only when
        ``capabilities.credit_notes``; a credit note is never updated, only voided."""

    def push_refund(
        self,
        refund: Refund,
        *,
        customer_remote_id: str,
        payment_remote_id: str | None,
        credit_note_remote_id: str | None,
        invoice_remote_id: str | None,
        key: str,
    ) -> Pushed:
        """Money paid back: of a payment (``refund.payment``; its remote id when linked) or
        of a credit note's remaining credit (``refund.credit_note``, its remote id always
        given). QBO a RefundReceipt; Xero a refund Payment of a credit note. Called only when
        ``capabilities.refunds`` (and ``credit_note_refunds`` for a credit note's)."""

    def push_invoices_batch(
        self,
        items: Sequence[tuple[Invoice, str | None, str | NewCustomer, str]],
        *,
        unsent: frozenset[str] = frozenset(),
    ) -> list[Pushed | Exception]:
        """(invoice, remote_id, customer_remote_id, key) per item, through the batch API;
        one result per item, in order. Invoices without a remote id are first looked for in
        case an earlier attempt created them, except those whose key is in ``unsent``: the
        engine knows no request carrying them ever left."""

    def find_customers(self, customers: Sequence[Customer]) -> dict[int, Pushed]:
        """``find_customer`` for many, by customer id (those found only). Called only when
        ``capabilities.finds_customers_in_bulk``."""

    def push_customers_batch(
        self, items: Sequence[tuple[Customer, str | None, str]]
    ) -> list[Pushed | Exception]:
        """(customer, remote_id, key) per item through the batch API, one result per item, in
        order. Called only when ``capabilities.pushes_customers_in_batch``."""

    def creates_with_invoice(self, customer: Customer) -> bool:
        """Whether the invoice's own request can create this new customer (``NewCustomer``).
        Always False unless ``capabilities.creates_customer_with_invoice``."""

    def push_item(self, item: ServiceItem, remote_id: str | None, *, key: str) -> Pushed:
        """Create (remote_id None: an existing item of the same name or code is matched and
        updated first, ``matched`` set) or update a service item."""

    def push_time_entry(
        self,
        entry: TimeEntry,
        remote_id: str | None,
        *,
        employee_remote_id: str,
        customer_remote_id: str | None,
        item_remote_id: str | None,
        key: str,
    ) -> Pushed:
        """An approved time entry as a time activity; refused (``PermanentError``) by a
        provider whose capabilities have no time activities."""

    def push_payout(self, payout: Payout, accounts: PayoutAccounts, *, key: str) -> Pushed:
        """Record a paid Stripe payout: its charges' gross out of the clearing account, its fees
        on the fees account, its amount into the bank account (docs/payouts.md). Called only
        when ``capabilities.payouts``; ``key`` makes a repeat return the first answer."""

    def list_employees(self) -> list[RemoteEmployee]:
        """The company's employees, for the Employee mapping page."""

    # --- mapping (docs/mapping.md) ------------------------------------------------------
    def list_accounts(self) -> list[RemoteAccount]:
        """The chart of accounts, archived and inactive accounts included (``active``)."""

    def list_tax_codes(self) -> list[RemoteTaxCode]:
        """The active tax codes a sales line may carry."""

    def ledger_defaults(
        self, accounts: Sequence[RemoteAccount], codes: Sequence[RemoteTaxCode]
    ) -> LedgerDefaults:
        """What the adapter uses when nothing is mapped (today's choice): the suggestions."""

    def forget_settings(self) -> None:
        """Read the company's accounts, tax codes and items again on next use."""

    # --- pull ---------------------------------------------------------------------------
    def pull(self, kinds: Sequence[str], since: str | None) -> Iterator[PullPage]:
        """Everything of ``kinds`` changed since the watermark (all when None), page by page."""

    # ``pull`` and ``fetch`` take kinds "credit_note" (``RemoteCreditNote``) and "refund"
    # (``RemoteRefund``) when the capabilities offer them.
    def fetch(self, kind: str, remote_id: str) -> RemoteChange:
        """One record as it is now (after a webhook, or to resolve a conflict)."""

    def current(self, kind: str, remote_ids: Sequence[str]) -> dict[str, RemoteChange]:
        """The named records as they are now, read with one request per kind; a record missing
        from the answer is left out. An adapter that cannot read by id returns ``{}``: the
        engine then falls back to an ordinary pull (docs/pulls.md)."""


class WithoutCredits:
    """The credit-note half of the contract for an adapter whose capabilities offer neither
    credit notes nor refunds yet: the engine holds such records back and never calls these;
    called anyway, they refuse (docs/credit-notes.md). An adapter that implements them defines
    its own, which come first."""

    def push_credit_note(
        self, credit_note, *, customer_remote_id: str, invoice_remote_id: str, key: str
    ) -> Pushed:
        raise PermanentError("This integration does not take credit notes.")

    def push_refund(
        self,
        refund,
        *,
        customer_remote_id: str,
        payment_remote_id: str | None,
        credit_note_remote_id: str | None,
        invoice_remote_id: str | None,
        key: str,
    ) -> Pushed:
        raise PermanentError("This integration does not take refunds.")


# --- errors -----------------------------------------------------------------------------
# What can go wrong talking to a provider, as the engine needs to tell it apart (docs/outbox.md).
# Adapters translate every provider answer into one of these; nothing else escapes them.


class SyncError(Exception):
    """Base class. ``message`` is shown to staff in the Sync Log."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransientError(SyncError):
    """429, 5xx, time-outs, malformed answers: retried with backoff, honouring ``retry_after``."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthExpired(SyncError):
    """401 from the API: refresh the access token once and try again."""


class ReconnectNeeded(SyncError):
    """The refresh token was refused: the integration must be reconnected by a person."""


class PermanentError(SyncError):
    """The provider refused the record (validation): parked, retried on the next sync."""


class MappingNeeded(PermanentError):
    """The record needs an account or tax code the integration's mapping does not give, and
    guessing would be wrong (docs/mapping.md): held back with this reason until it is mapped,
    then sent on the next drain. ``fix`` names what to map ("tax:10.0000", "account:income")."""

    def __init__(self, message: str, *, fix: str = "") -> None:
        super().__init__(message)
        self.fix = fix


class RemoteGone(PermanentError):
    """The linked remote record no longer exists (deleted meanwhile)."""


class Throttled(TransientError):
    """The hub's own limiter says wait before this request: nothing was sent. The work goes back
    in the queue as it was (not a failure, no try counted, no Sync Log line) and the task is
    rescheduled ``retry_after`` seconds later instead of sleeping in its worker."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, retry_after=retry_after)
