"""A small in-memory provider implementing the adapter Protocol, for tests of the engine's
decisions (hold-backs, ordering, fingerprints, claims). End-to-end behaviour is tested against
the real adapters and sandboxes (test_end_to_end.py)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from apps.integrations.contract import (
    Capabilities,
    LedgerDefaults,
    PullPage,
    Pushed,
    RemoteChange,
    RemoteCustomer,
    RemoteDocument,
    RemoteLine,
    RemotePayment,
    SyncError,
)

_ids = itertools.count(1)


def _answer(call, *args, **kwargs):
    """One item's answer in a batch: the record, or the error the provider gave for it."""
    try:
        return call(*args, **kwargs)
    except SyncError as exc:
        return exc


class MemoryAdapter:
    """One remote company. ``records[kind][remote_id]`` is what the company holds; ``calls`` lists
    every method called; ``fail`` maps a method name to exceptions raised by its next calls."""

    # One request per customer: the engine's one-by-one path.
    capabilities = Capabilities(batch_size=30)

    def __init__(self, integration):
        self.integration = integration
        self.records: dict[str, dict[str, dict]] = defaultdict(dict)
        self.by_key: dict[str, Pushed] = {}
        self.calls: list[tuple[str, ...]] = []
        self.fail: dict[str, list[Exception]] = defaultdict(list)
        # What happens while the next calls of a method are under way (minutes passing ...).
        self.meanwhile: dict[str, list[Callable[[], None]]] = defaultdict(list)
        self.feed: list[RemoteChange] = []  # what pull() returns next
        self.pulled_since: list[str | None] = []
        self.tax_mapped_now: list = []  # as the contract has it; nothing is mapped here

    # --- helpers ---------------------------------------------------------------------
    def _maybe_fail(self, name: str) -> None:
        if self.meanwhile[name]:
            self.meanwhile[name].pop(0)()
        if self.fail[name]:
            raise self.fail[name].pop(0)

    def _store(self, kind: str, remote_id: str | None, key: str, data: dict) -> Pushed:
        if remote_id is None and key in self.by_key:
            return self.by_key[key]  # the provider's idempotency: same key, same record
        remote_id = remote_id or f"{kind[0].upper()}{next(_ids)}"
        version = str(int(self.records[kind].get(remote_id, {}).get("version", "-1")) + 1)
        self.records[kind][remote_id] = {**data, "version": version}
        pushed = Pushed(
            remote_id=remote_id, remote_version=version, remote_name=data.get("name", "")
        )
        if key:
            self.by_key[key] = pushed
        return pushed

    def count(self, kind: str) -> int:
        return len(self.records[kind])

    def calls_of(self, name: str) -> list[tuple]:
        return [call for call in self.calls if call[0] == name]

    # --- the Protocol ----------------------------------------------------------------
    def find_customer(self, customer):
        self.calls.append(("find_customer", customer.pk))
        self._maybe_fail("find_customer")
        for remote_id, data in self.records["customer"].items():
            if customer.email and data.get("email", "").lower() == customer.email.lower():
                return Pushed(remote_id, data["version"], data["name"])
        for remote_id, data in self.records["customer"].items():
            if data["name"] == customer.display_name:
                return Pushed(remote_id, data["version"], data["name"])
        return None

    def push_customer(self, customer, remote_id, *, key):
        self.calls.append(("push_customer", customer.pk, remote_id, key))
        self._maybe_fail("push_customer")
        data = {"name": customer.display_name, "email": customer.email, "hub_id": customer.pk}
        return self._store("customer", remote_id, key, data)

    def _push_document(self, kind, document, remote_id, customer_remote_id, key):
        self.calls.append((f"push_{kind}", document.pk, remote_id, key))
        self._maybe_fail(f"push_{kind}")
        data = {
            "number": document.number,
            "customer": customer_remote_id,
            "total": str(document.total),
            "status": document.status,
            "hub_id": document.pk,
        }
        return self._store(kind, remote_id, key, data)

    def push_invoice(self, invoice, remote_id, *, customer_remote_id, key):
        return self._push_document("invoice", invoice, remote_id, customer_remote_id, key)

    def push_quote(self, quote, remote_id, *, customer_remote_id, key):
        return self._push_document("quote", quote, remote_id, customer_remote_id, key)

    def push_payment(self, payment, *, customer_remote_id, invoice_remote_id, key):
        self.calls.append(("push_payment", payment.pk, invoice_remote_id, key))
        self._maybe_fail("push_payment")
        kind = "payment" if invoice_remote_id else "sales_receipt"
        data = {"amount": str(payment.amount), "invoice": invoice_remote_id, "hub_id": payment.pk}
        return self._store(kind, None, key, data)

    def void(self, kind, remote_id):
        self.calls.append(("void", kind, remote_id))
        self._maybe_fail("void")
        record = self.records[kind][remote_id]
        record["status"] = "cancelled"
        record["version"] = str(int(record["version"]) + 1)
        return Pushed(remote_id, record["version"])

    def push_invoices_batch(self, items, *, unsent=frozenset()):
        self.calls.append(("push_invoices_batch", len(items)))
        return [
            _answer(self.push_invoice, i, r, customer_remote_id=c, key=k) for i, r, c, k in items
        ]

    def find_customers(self, customers):
        self.calls.append(("find_customers", len(customers)))
        self._maybe_fail("find_customers")
        found = {c.pk: self.find_customer(c) for c in customers}
        return {pk: pushed for pk, pushed in found.items() if pushed is not None}

    def push_customers_batch(self, items):
        self.calls.append(("push_customers_batch", len(items)))
        return [_answer(self.push_customer, c, r, key=k) for c, r, k in items]

    def creates_with_invoice(self, customer):
        return False

    # --- mapping: a company without a chart of accounts or tax codes -------------------
    def list_accounts(self):
        return []

    def list_tax_codes(self):
        return []

    def ledger_defaults(self, accounts, codes):
        return LedgerDefaults()

    def forget_settings(self):
        pass

    def pull(self, kinds, since):
        self.calls.append(("pull", tuple(kinds), since))
        self.pulled_since.append(since)
        self._maybe_fail("pull")
        changes = [change for change in self.feed if change.kind in kinds]
        self.feed = []
        yield PullPage(changes=changes, watermark=datetime.now(UTC).isoformat())
        self._maybe_fail("pull_next_page")  # asked for the page after the first

    def current(self, kind, remote_ids):
        return {}  # cannot read by id: the engine falls back to an ordinary pull

    def fetch(self, kind, remote_id):
        self.calls.append(("fetch", kind, remote_id))
        self._maybe_fail("fetch")
        data = self.records[kind].get(remote_id)
        if data is None:
            return RemoteChange(kind, remote_id, deleted=True)
        if kind == "customer":
            return RemoteChange(
                kind,
                remote_id,
                record=remote_customer(
                    remote_id, data["name"], data.get("email", ""), version=data["version"]
                ),
            )
        return RemoteChange(kind, remote_id)

    # --- building remote records for pulls -------------------------------------------
    def add_customer(self, name: str, email: str = "", phone: str = "") -> RemoteCustomer:
        remote_id = f"C{next(_ids)}"
        self.records["customer"][remote_id] = {"name": name, "email": email, "version": "0"}
        return remote_customer(remote_id, name, email, phone)


def remote_customer(remote_id, name, email="", phone="", version="0") -> RemoteCustomer:
    given, _, family = name.partition(" ")
    return RemoteCustomer(
        remote_id=remote_id,
        remote_version=version,
        display_name=name,
        given_name=given,
        family_name=family,
        email=email,
        phone=phone,
    )


def remote_invoice(
    customer_remote_id,
    *,
    number="R-1",
    status="sent",
    issue_date=None,
    remote_id=None,
    version="0",
    kind="invoice",
    amount="250.00",
    **extra,
) -> RemoteDocument:
    from decimal import Decimal

    from django.utils import timezone

    return RemoteDocument(
        kind=kind,
        remote_id=remote_id or f"{kind[0].upper()}{next(_ids)}",
        remote_version=version,
        customer_remote_id=customer_remote_id,
        number=number,
        issue_date=issue_date or timezone.localdate(),
        status=status,
        currency="USD",
        lines=[
            RemoteLine(
                description="Boiler service",
                quantity=Decimal("1"),
                unit_price=Decimal(amount),
                taxable=False,
            )
        ],
        total=Decimal(amount),
        **extra,
    )


def remote_payment(
    invoice_remote_id, amount, *, remote_id=None, voided=False, version="0"
) -> RemotePayment:
    from decimal import Decimal

    from django.utils import timezone

    return RemotePayment(
        remote_id=remote_id or f"P{next(_ids)}",
        remote_version=version,
        customer_remote_id="",
        date=timezone.localdate(),
        amount=Decimal(amount),
        applied_to=[(invoice_remote_id, Decimal(amount))],
        voided=voided,
    )
