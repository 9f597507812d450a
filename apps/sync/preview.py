"""What a new connection's first sync will bring in and send out, worked out before staff click
Start (docs/sync-rules.md, "Connecting, disconnecting, reconnecting").

The same decisions the first sync takes, without writing anything: the company is read as a
full pull reads it and each record is judged as ``pull`` would apply it (linked, matched to a
hub customer, added, or left out as history); the hub's side is the catch-up's candidates judged
by ``rules.decide``, plus the finished history and drafts it holds back. The integration is
judged as it will be once started (``waiting_for_start`` off, in memory only).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable

from apps.customers.matching import customer_find_match
from apps.integrations import registry
from apps.integrations.contract import RemoteChange, RemoteCustomer, RemoteDocument, SyncError
from apps.integrations.first_sync import FirstSyncPreview, Line
from apps.integrations.models import Integration
from apps.invoices.models import Invoice
from apps.quotes.models import Quote

from . import rules
from .catchup import _history, _unlinked, candidates
from .models import Kind, Link
from .own_records import hub_document_sent_as
from .pull import _is_history
from .push import link_of
from .services import CATCH_UP_KINDS

PULLED = [Kind.CUSTOMER, Kind.QUOTE, Kind.INVOICE]
DRAFTS = {Kind.INVOICE: Invoice.Status.DRAFT, Kind.QUOTE: Quote.Status.DRAFT}

# key → (singular, plural) of what follows the number.
PHRASES = {
    "customers_added": ("customer will be added", "customers will be added"),
    "customers_matched": (
        "customer already here will be linked (same e-mail, or same name and phone)",
        "customers already here will be linked (same e-mail, or same name and phone)",
    ),
    "invoices_imported": (
        "earlier invoice will be imported (Import historical invoices)",
        "earlier invoices will be imported (Import historical invoices)",
    ),
    "invoices_history_left": (
        "earlier invoice stays in {label} only (Import historical invoices is off)",
        "earlier invoices stay in {label} only (Import historical invoices is off)",
    ),
    "invoices_new": ("new invoice will be added", "new invoices will be added"),
    "quotes_new": ("new quote will be added", "new quotes will be added"),
    "quotes_history_left": (
        "earlier quote stays in {label} only",
        "earlier quotes stay in {label} only",
    ),
    "customers_sent": ("customer will be sent", "customers will be sent"),
    "invoices_sent": ("invoice in progress will be sent", "invoices in progress will be sent"),
    "quotes_sent": ("quote in progress will be sent", "quotes in progress will be sent"),
    "items_sent": ("service item will be sent", "service items will be sent"),
    "time_entrys_sent": ("approved time entry will be sent", "approved time entries will be sent"),
    "voids_sent": ("cancellation will be sent", "cancellations will be sent"),
    "invoices_paid_held": (
        "paid or partly paid invoice held back (payments are recorded in {label})",
        "paid or partly paid invoices held back (payments are recorded in {label})",
    ),
    "invoices_cancelled_held": ("cancelled invoice held back", "cancelled invoices held back"),
    "quotes_cancelled_held": ("cancelled quote held back", "cancelled quotes held back"),
    "invoices_draft_held": (
        "draft invoice held back until it is sent",
        "draft invoices held back until they are sent",
    ),
    "quotes_draft_held": (
        "draft quote held back until it is sent",
        "draft quotes held back until they are sent",
    ),
}
INCOMING = [
    "customers_added",
    "customers_matched",
    "invoices_imported",
    "invoices_new",
    "invoices_history_left",
    "quotes_new",
    "quotes_history_left",
]
OUTGOING = [
    "customers_sent",
    "invoices_sent",
    "quotes_sent",
    "items_sent",
    "time_entrys_sent",
    "voids_sent",
]
HELD_REASONS = {
    rules.PAID: "paid_held",
    rules.CANCELLED_NOT_BACKFILLED: "cancelled_held",
    rules.DRAFT_INVOICE: "draft_held",
    rules.DRAFT_QUOTE: "draft_held",
}


def first_sync_preview(integration: Integration) -> FirstSyncPreview:
    """Plugged into ``apps.integrations.first_sync``: the preview page's figures."""
    started = as_started(integration)
    label = registry.provider(integration.provider).display_name
    counts: Counter[str] = Counter()
    error = ""
    matched: set[int] = set()
    try:
        matched = incoming_count(started, counts)
    except SyncError as exc:
        error = (
            f"{label} could not be read just now ({exc.message}), so what comes in is not "
            "counted; what goes out is."
        )
    outgoing_count(started, counts, matched_customers=matched)
    held_back_count(started, counts)
    return FirstSyncPreview(
        incoming=_lines(counts, INCOMING, label),
        outgoing=_lines(counts, OUTGOING, label),
        held_back=_lines(counts, [k for k in PHRASES if k.endswith("_held")], label),
        error=error,
    )


def as_started(integration: Integration) -> Integration:
    """The integration as it will be once Start is clicked; never saved."""
    started = copy.copy(integration)
    started.waiting_for_start = False
    return started


def _lines(counts: Counter, keys: Iterable[str], label: str) -> list[Line]:
    lines = []
    for key in keys:
        if counts[key]:
            singular, plural = PHRASES[key]
            text = (singular if counts[key] == 1 else plural).format(label=label)
            lines.append(Line(counts[key], text, key))
    return lines


# --- coming in ------------------------------------------------------------------------------


def incoming_count(integration: Integration, counts: Counter) -> set[int]:
    """Read the company as the first (full) pull reads it and count what each record would
    become; the hub customers that incoming ones would be linked to are returned."""
    kinds = [str(kind) for kind in PULLED if integration.syncs_from(kind)]
    if not kinds:
        return set()
    adapter = registry.adapter_for(integration)
    links = Link.objects.filter(integration=integration)
    # Read once: a company's records are looked up by remote id, not one query each.
    remote = set(links.values_list("kind", "remote_id"))
    linked = set(
        links.filter(kind=Kind.CUSTOMER, merged_into__isnull=True).values_list(
            "object_id", flat=True
        )
    )
    matched: set[int] = set()
    for page in adapter.pull(kinds, None):
        for change in page.changes:
            if (change.kind, change.remote_id) in remote:
                continue  # already linked (a company connected before): updated, not added
            if change.kind == Kind.CUSTOMER:
                _customer_count(integration, change, counts, linked | matched, matched)
            elif change.kind in (Kind.INVOICE, Kind.QUOTE):
                _document_count(integration, adapter, change, counts)
    return matched


def _customer_count(integration, change: RemoteChange, counts, exclude: set, matched: set):
    record = change.record
    if change.deleted or not isinstance(record, RemoteCustomer):
        return
    if not record.active:
        return  # inactive and never linked: left out, as the pull leaves it
    customer = customer_find_match(
        organisation=integration.organisation,
        email=record.email,
        name=record.display_name,
        phone=record.phone,
        exclude_ids=exclude,
    )
    if customer is None:
        counts["customers_added"] += 1
    else:
        matched.add(customer.pk)
        counts["customers_matched"] += 1


def _document_count(integration, adapter, change: RemoteChange, counts) -> None:
    if change.deleted:
        return
    record = change.record or adapter.fetch(change.kind, change.remote_id).record
    if not isinstance(record, RemoteDocument) or record.status == "cancelled":
        return
    if hub_document_sent_as(integration, record):
        return  # the hub's own record, linked rather than imported
    plural = f"{change.kind}s"
    if not _is_history(integration, record):
        counts[f"{plural}_new"] += 1
    elif change.kind == Kind.INVOICE and integration.import_historical_invoices:
        counts["invoices_imported"] += 1
    else:
        counts[f"{plural}_history_left"] += 1


# --- going out ------------------------------------------------------------------------------


def outgoing_count(integration: Integration, counts: Counter, *, matched_customers: set[int]):
    """The catch-up's candidates judged by ``rules.decide``, with each unlinked customer of a
    document sent first (docs/sync-rules.md, "Dependencies first") unless an incoming customer
    is linked to it before."""
    customers: set[int] = set()
    for kind, record in candidates(integration, CATCH_UP_KINDS):
        decision = rules.decide(integration, kind, record, link_of(integration, kind, record.pk))
        if decision.action == rules.Action.VOID:
            counts["voids_sent"] += 1
        elif decision.action == rules.Action.PUSH:
            if kind == Kind.CUSTOMER:
                customers.add(record.pk)
            else:
                counts[f"{kind}s_sent"] += 1
            if kind in (Kind.INVOICE, Kind.QUOTE):
                customers |= _customer_first(integration, record, matched_customers)
        elif decision.action == rules.Action.HOLD:
            _held(counts, kind, decision.reason)
    counts["customers_sent"] += len(customers)


def _customer_first(integration: Integration, document, matched: set[int]) -> set[int]:
    customer = document.customer
    while customer.merged_into_id:
        customer = customer.merged_into
    if customer.pk in matched or link_of(integration, Kind.CUSTOMER, customer.pk):
        return set()
    decision = rules.decide(integration, Kind.CUSTOMER, customer, None, as_dependency=True)
    return {customer.pk} if decision.action == rules.Action.PUSH else set()


def held_back_count(integration: Integration, counts: Counter) -> None:
    """Finished history (paid, cancelled) and drafts: held back, with the rules' reasons."""
    for kind in (Kind.INVOICE, Kind.QUOTE):
        records = list(_history(integration, kind))
        if integration.syncs_to(kind):
            records += list(_unlinked(integration, kind).filter(status=DRAFTS[kind]))
        for record in records:
            decision = rules.decide(integration, kind, record, None)
            if decision.action == rules.Action.HOLD:
                _held(counts, kind, decision.reason)


def _held(counts: Counter, kind: str, reason: str) -> None:
    suffix = HELD_REASONS.get(reason)
    if suffix:
        counts[f"{kind}s_{suffix}"] += 1
