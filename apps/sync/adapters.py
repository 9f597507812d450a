"""The contract between the sync engine and a provider (one adapter per provider).

The engine decides *what* to send and *when*; an adapter knows *how*: it maps hub records to the
provider's JSON (its ``mapping`` module), talks HTTP through its ``client`` module and turns every
answer into a ``Pushed`` result, neutral ``Remote*`` records, or an ``apps.sync.errors`` exception.

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
    from apps.invoices.models import Invoice, Payment
    from apps.quotes.models import Quote
    from apps.timesheets.models import TimeEntry


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
class RemoteChange:
    kind: str  # "customer", "invoice", "quote", "payment"
    remote_id: str
    deleted: bool = False
    record: RemoteCustomer | RemoteDocument | RemotePayment | None = None


@dataclass(frozen=True)
class PullPage:
    changes: list[RemoteChange]
    # Opaque watermark to store and pass back as ``since`` on the next pull.
    watermark: str
    more: bool = False


class Adapter(Protocol):
    integration: Integration
    # Service item id → remote item id, set by the engine before a document push: lines of a
    # linked service item refer to that remote item (seed 003, "Service Items").
    linked_items: dict[int, str]

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
        """Cancel a linked record: QBO void, Xero VOIDED / DELETED."""

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
        """``find_customer`` for many, in as few requests as the provider allows; customer id →
        where it lives, for those found."""

    def push_customers_batch(
        self, items: Sequence[tuple[Customer, str | None, str]]
    ) -> list[Pushed | Exception]:
        """(customer, remote_id, key) per item, creates and updates through the batch API; one
        result per item, in order."""

    def creates_with_invoice(self, customer: Customer) -> bool:
        """Whether a new ``customer`` can be created inside its first invoice (``NewCustomer``)
        with no risk of being filed under someone else of the same name."""

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
        """An approved time entry as a time activity (QuickBooks only)."""

    def list_employees(self) -> list[RemoteEmployee]:
        """The company's employees, for the Employee mapping page."""

    # --- pull ---------------------------------------------------------------------------
    def pull(self, kinds: Sequence[str], since: str | None) -> Iterator[PullPage]:
        """Everything of ``kinds`` changed since the watermark (all when None), page by page."""

    def fetch(self, kind: str, remote_id: str) -> RemoteChange:
        """One record as it is now (after a webhook, or to resolve a conflict)."""


def adapter_for(integration: Integration) -> Adapter:
    """The adapter of the integration's provider."""
    if integration.provider == "quickbooks":
        from apps.integrations.quickbooks.adapter import QuickBooksAdapter

        return QuickBooksAdapter(integration)
    if integration.provider == "xero":
        from apps.integrations.xero.adapter import XeroAdapter

        return XeroAdapter(integration)
    raise ValueError(f"No adapter for provider {integration.provider!r}")
