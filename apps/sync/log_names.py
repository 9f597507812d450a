"""Sync Log records named as people name them: "INV-0007 · Thomas Green", a customer's display
name, "Payment of $120.00 on INV-0007", "Ann Lee · 3 h · 12 Nov"; with the hub page and the
ledger page of each.

A page of entries is named with one query per kind of record on it (and one for the links of
entries that carry no remote id), never one per entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse

from apps.catalog.models import ServiceItem
from apps.common.money import plain
from apps.customers.models import Customer
from apps.integrations.ledger_pages import record_page
from apps.invoices.models import CreditNote, Invoice, Payment, Refund
from apps.quotes.models import Quote
from apps.timesheets.models import TimeEntry

from .models import Kind, Link, SyncLogEntry

SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "GBP": "£", "EUR": "€"}


@dataclass(frozen=True)
class RecordName:
    label: str
    hub_url: str = ""


def money(amount: Decimal, currency: str) -> str:
    """Money as staff read it: "$120.00", "£8.50", or "CHF 40.00" for a currency without a
    well-known sign."""
    text = f"{amount:,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{currency} {text}".strip()


def _document(document) -> RecordName:
    url = "invoices:detail" if isinstance(document, Invoice) else "quotes:detail"
    label = f"{document.number} · {document.customer.display_name}"
    return RecordName(label, reverse(url, args=[document.pk]))


def _customer(customer) -> RecordName:
    return RecordName(customer.display_name, reverse("customers:detail", args=[customer.pk]))


def _payment(payment) -> RecordName:
    amount = money(payment.amount, payment.invoice.currency if payment.invoice else "")
    if payment.invoice is not None:
        url = reverse("invoices:detail", args=[payment.invoice_id])
        return RecordName(f"Payment of {amount} on {payment.invoice.number}", url)
    url = reverse("customers:detail", args=[payment.customer_id])
    return RecordName(f"Payment of {amount} from {payment.customer.display_name}", url)


def _credit_note(note) -> RecordName:
    label = f"Credit note {note.number} on {note.invoice.number} · {note.customer.display_name}"
    return RecordName(label, reverse("invoices:credit_note", args=[note.pk]))


def _refund(refund) -> RecordName:
    amount = money(refund.amount, refund.invoice.currency if refund.invoice else "")
    if refund.invoice is not None:
        url = reverse("invoices:detail", args=[refund.invoice_id])
        return RecordName(f"Refund of {amount} on {refund.invoice.number}", url)
    url = reverse("customers:detail", args=[refund.customer_id])
    return RecordName(f"Refund of {amount} to {refund.customer.display_name}", url)


def _item(item) -> RecordName:
    return RecordName(item.name, reverse("catalog:edit", args=[item.pk]))


def _time_entry(entry) -> RecordName:
    member = entry.timesheet.member.name
    label = f"{member} · {plain(entry.hours)} h · {entry.date.day} {entry.date:%b}"
    return RecordName(label, reverse("timesheets:detail", args=[entry.timesheet_id]))


# kind → (the rows of an organisation, read with what their names need; how to name one)
READERS: dict[str, tuple[Callable, Callable]] = {
    Kind.CUSTOMER: (
        lambda org: Customer.objects.filter(organisation=org).only("display_name"),
        _customer,
    ),
    Kind.INVOICE: (
        lambda org: (
            Invoice.objects.filter(organisation=org)
            .select_related("customer")
            .only("number", "customer__display_name")
        ),
        _document,
    ),
    Kind.QUOTE: (
        lambda org: (
            Quote.objects.filter(organisation=org)
            .select_related("customer")
            .only("number", "customer__display_name")
        ),
        _document,
    ),
    Kind.PAYMENT: (
        lambda org: Payment.objects.filter(customer__organisation=org).select_related(
            "invoice", "customer"
        ),
        _payment,
    ),
    Kind.CREDIT_NOTE: (
        lambda org: CreditNote.objects.filter(organisation=org).select_related(
            "invoice", "customer"
        ),
        _credit_note,
    ),
    Kind.REFUND: (
        lambda org: Refund.objects.filter(customer__organisation=org).select_related(
            "invoice", "customer"
        ),
        _refund,
    ),
    Kind.ITEM: (lambda org: ServiceItem.objects.filter(organisation=org).only("name"), _item),
    Kind.TIME_ENTRY: (
        lambda org: TimeEntry.objects.filter(timesheet__organisation=org).select_related(
            "timesheet__member"
        ),
        _time_entry,
    ),
}


def record_names(entries: Iterable[SyncLogEntry], *, organisation) -> dict:
    """(kind, object_id) → RecordName for every hub record the entries name."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.object_id is not None and entry.kind in READERS:
            wanted[entry.kind].add(entry.object_id)
    names = {}
    for kind, ids in wanted.items():
        rows, name = READERS[kind]
        for row in rows(organisation).filter(pk__in=ids):
            names[(kind, row.pk)] = name(row)
    return names


def record_name(*, kind: str, object_id: int, organisation) -> RecordName:
    """One record's name (the Retry button's message)."""
    entry = SyncLogEntry(kind=kind, object_id=object_id)
    names = record_names([entry], organisation=organisation)
    return names.get((kind, object_id)) or fallback_name(entry)


def fallback_name(entry: SyncLogEntry) -> RecordName:
    """An entry whose hub record is gone (or was never made: a pull that failed)."""
    kind = Kind(entry.kind).label if entry.kind in Kind.values else entry.kind
    if entry.object_id is None:
        return RecordName(f"{kind} not in the hub")
    return RecordName(f"{kind} no longer in the hub")


def remote_ids(entries: Iterable[SyncLogEntry]) -> dict:
    """(integration_id, kind, object_id) → remote id, for entries that carry none themselves
    (a held-back or failed push of a record linked earlier): one query for the page."""
    missing = [e for e in entries if not e.remote_id and e.object_id is not None]
    if not missing:
        return {}
    links = Link.objects.filter(
        integration_id__in={e.integration_id for e in missing},
        kind__in={e.kind for e in missing},
        object_id__in={e.object_id for e in missing},
        merged_into__isnull=True,
    ).values_list("integration_id", "kind", "object_id", "remote_id")
    return {(i, k, o): r for i, k, o, r in links}


def name_entries(entries: list[SyncLogEntry], *, organisation) -> None:
    """Sets ``record`` (a RecordName) and ``ledger_url`` on each entry of a page."""
    names = record_names(entries, organisation=organisation)
    linked = remote_ids(entries)
    for entry in entries:
        entry.record = names.get((entry.kind, entry.object_id)) or fallback_name(entry)
        remote = entry.remote_id or linked.get((entry.integration_id, entry.kind, entry.object_id))
        entry.ledger_remote_id = remote or ""
        entry.ledger_url = record_page(entry.integration, kind=entry.kind, remote_id=remote or "")
