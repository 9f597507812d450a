"""Several invoices of one page in one call: the batch half of the push path.

The adapter's ``push_invoices_batch`` cuts them into the provider's batch size (QBO ``/batch``,
30 per request; Xero up to 50 per request) and shares its look-ups across those requests. The
page is decided with the engine's rules, its missing customers linked first (found or created,
in batches too: ``push_customers``), its invoices pushed, and every item's outcome written
together: Link, Sync Log entry and the row's state. What a single invoice costs is
``push_one``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from apps.customers.models import Customer
from apps.integrations.contract import (
    Adapter,
    AuthExpired,
    MappingNeeded,
    NewCustomer,
    PermanentError,
    Pushed,
    ReconnectNeeded,
    SyncError,
    Throttled,
    TransientError,
)
from apps.integrations.models import Integration
from apps.invoices.models import Invoice

from . import outbox
from .exchanged import form_of
from .export_links import existing_links, link_for, links_create
from .fault_points import fault_point
from .fingerprints import fingerprint
from .items import linked_items
from .models import Change, Kind, Link, SyncLogEntry, SyncRun
from .push_customers import (
    CREATED,
    DUPLICATE,
    UPDATED,
    customer_link,
    customer_made_with_invoice,
    customers_first,
    customers_resolve,
    customers_send,
    duplicate,
    links_of,
    one_call,
    placed_message,
)
from .push_one import finish_many, retry_row
from .recorder import queue_for
from .rules import Action, decide
from .runs import count


@dataclass
class Page:
    """One page's outcomes, written together."""

    run: SyncRun
    integration: Integration
    new_links: list[Link] = field(default_factory=list)
    changed_links: list[Link] = field(default_factory=list)
    log: list[SyncLogEntry] = field(default_factory=list)
    done: dict[int, tuple[Change, str, str]] = field(default_factory=dict)  # id → row, state, error
    retry: list[Change] = field(default_factory=list)
    untouched: list[Change] = field(default_factory=list)  # the hub's limiter said wait
    made_with_invoice: set[int] = field(default_factory=set)  # customer ids linked that way
    retry_in: float | None = None  # seconds until the page's rows that wait should go again

    def line(self, kind: str, object_id: int, outcome: str, message: str, remote_id: str = ""):
        """A Sync Log line, written with the page."""
        self.log.append(
            SyncLogEntry(
                run=self.run,
                integration=self.integration,
                kind=kind,
                object_id=object_id,
                remote_id=remote_id,
                direction=SyncLogEntry.Direction.PUSH,
                outcome=outcome,
                message=message,
            )
        )

    def note(
        self, change: Change, outcome: str, state: str, message: str = "", remote_id: str = ""
    ):
        self.line(change.kind, change.object_id, outcome, message, remote_id)
        count(self.run, outcome, message=message, kind=change.kind, object_id=change.object_id)
        if state == Change.State.PENDING:
            self.retry.append(change)
        else:
            # A refusal and a hold-back keep their reason on the row (Needs attention reads it).
            kept = state in (Change.State.FAILED, Change.State.HELD_BACK)
            self.done[change.pk] = (change, state, message if kept else "")

    def wait(self, change: Change, seconds: float | None) -> None:
        """Back in the queue as taken: nothing was sent (the hub's limiter), no outcome."""
        self.untouched.append(change)
        self.retry_in = max(self.retry_in or 0.0, seconds or 0.0)

    def noted(self, change: Change) -> bool:
        return change.pk in self.done or change in self.retry or change in self.untouched


def push_invoices(
    run: SyncRun, integration: Integration, adapter: Adapter, changes: list[Change]
) -> Page:
    """Decide and send a page's invoice rows; the page, with ``retry_in`` when some wait."""
    return _page_of(run, integration, adapter, changes, _send_invoices)


def push_customer_rows(
    run: SyncRun, integration: Integration, adapter: Adapter, changes: list[Change]
) -> Page:
    """A page's customer rows together: the new ones matched or created in bulk, the linked
    ones updated in one batch, by the same rules as one row (``push_customers``)."""
    return _page_of(run, integration, adapter, changes, _send_customers)


def _page_of(run, integration, adapter, changes, send) -> Page:
    page = Page(run=run, integration=integration)
    try:
        send(page, adapter, changes)
    except Throttled as exc:
        for change in changes:
            if not page.noted(change):
                page.wait(change, exc.retry_after)
    except ReconnectNeeded as exc:
        _write(page)
        outbox.put_back([c for c in changes if not page.noted(c)], last_error=exc.message)
        raise
    _write(page)
    return page


def _decided(page: Page, adapter: Adapter, kind: str, records: dict, changes: list[Change]):
    """(row, record, link) of the rows to push; the others held back, skipped or voided."""
    links = links_of(page.integration, kind, [change.object_id for change in changes])
    to_push = []
    for change in changes:
        record, link = records.get(change.object_id), links.get(change.object_id)
        decision = decide(page.integration, kind, record, link)
        if decision.action == Action.PUSH:
            to_push.append((change, record, link))
        elif decision.action == Action.VOID:
            _void(page, adapter, change, record, link)
        elif decision.action == Action.HOLD:
            page.note(
                change, SyncLogEntry.Outcome.HELD_BACK, Change.State.HELD_BACK, decision.reason
            )
        else:
            page.note(change, SyncLogEntry.Outcome.SKIPPED, Change.State.DONE, decision.reason)
    return to_push


def _send_invoices(page: Page, adapter: Adapter, changes: list[Change]) -> None:
    integration = page.integration
    ids = [change.object_id for change in changes]
    invoices = Invoice.objects.filter(pk__in=ids, organisation_id=integration.organisation_id)
    invoices = {
        invoice.pk: invoice
        for invoice in invoices.select_related("customer").prefetch_related("lines__service_item")
    }
    to_push = _decided(page, adapter, Kind.INVOICE, invoices, changes)
    customer_ids = customers_first(page, adapter, [item[1].customer for item in to_push])
    fault_point("export-after-customers")
    ready = []
    for change, invoice, link in to_push:
        remote_customer = customer_ids.get(invoice.customer_id)
        if isinstance(remote_customer, Throttled):
            page.wait(change, remote_customer.retry_after)
        elif isinstance(remote_customer, SyncError):
            _failed(page, change, remote_customer, prefix="Its customer could not be sent: ")
        else:
            ready.append((change, invoice, link, remote_customer))
    if ready:
        # The whole page in one call: the adapter cuts it into the provider's batch size
        # (QBO 30, Xero 50) and can share its look-ups across those batches.
        unsent = _mark_sent(integration, ready)
        _push_batch(page, adapter, ready, unsent)


def _send_customers(page: Page, adapter: Adapter, changes: list[Change]) -> None:
    integration = page.integration
    customers = Customer.objects.in_bulk([change.object_id for change in changes])
    rows = _decided(page, adapter, Kind.CUSTOMER, customers, changes)
    new = [customer for _, customer, link in rows if link is None]
    placed = {
        customer.pk: (outcome, how)
        for customer, outcome, how in customers_resolve(
            adapter, integration, new, update_found=True, inline=False
        )
    }
    linked = [(customer, link.remote_id) for _, customer, link in rows if link is not None]
    sent = customers_send(adapter, integration, linked)
    updated = dict(zip([c.pk for c, _ in linked], sent, strict=True))
    taken: set[str] = set()
    for change, customer, link in rows:
        outcome, how = placed.get(customer.pk) or (updated[customer.pk], UPDATED)
        if isinstance(outcome, Exception):
            _failed(page, change, outcome)
        elif link is not None:
            link.remote_version, link.synced_at = outcome.remote_version, timezone.now()
            link.fingerprint = fingerprint(Kind.CUSTOMER, customer)
            page.changed_links.append(link)
            page.note(change, SyncLogEntry.Outcome.PUSHED, Change.State.DONE, "Updated.")
        elif how == DUPLICATE or outcome.remote_id in taken:
            page.note(change, SyncLogEntry.Outcome.SKIPPED, Change.State.DONE, duplicate(outcome))
        else:
            taken.add(outcome.remote_id)
            page.new_links.append(customer_link(integration, customer, outcome, how == CREATED))
            message = placed_message(customer, outcome, how)
            page.note(change, SyncLogEntry.Outcome.PUSHED, Change.State.DONE, message)


def _mark_sent(integration: Integration, items) -> frozenset[str]:
    """Record that the items are about to be sent; the keys of those no request ever carried
    (under any row of the same invoice), which need no look-up for an earlier copy."""
    unlinked = {change.object_id for change, _, link, _ in items if link is None}
    sent_before = set(
        Change.objects.filter(
            integration=integration,
            kind=Kind.INVOICE,
            object_id__in=unlinked,
            sent_at__isnull=False,
        ).values_list("object_id", flat=True)
    )
    outbox.mark_sent([change.pk for change, *_ in items])
    return frozenset(
        outbox.idempotency_key(change)
        for change, _, link, _ in items
        if link is None and change.object_id not in sent_before
    )


def _push_batch(page: Page, adapter: Adapter, items, unsent: frozenset[str]) -> None:
    request = [
        (
            invoice,
            link.remote_id if link else None,
            customer_remote_id,
            outbox.idempotency_key(change),
        )
        for change, invoice, link, customer_remote_id in items
    ]
    adapter.linked_items = linked_items(page.integration, [item[1] for item in items])
    results = _send_batch(adapter, request, unsent)
    fault_point("export-after-send")
    existing = existing_links(
        page.integration,
        Kind.INVOICE,
        remote_ids=[r.remote_id for r in results if isinstance(r, Pushed)],
        object_ids=[item[1].pk for item in items],
    )
    now = timezone.now()
    for (change, invoice, link, customer_remote), result in zip(items, results, strict=True):
        if isinstance(result, Exception):
            _failed(page, change, result)
            continue
        if isinstance(customer_remote, NewCustomer) and result.customer is not None:
            customer_made_with_invoice(page, customer_remote.customer, result.customer)
        link, new, refused = link_for(
            existing,
            integration=page.integration,
            kind=Kind.INVOICE,
            object_id=invoice.pk,
            remote_id=result.remote_id,
            label=f"invoice {invoice.number}",
        )
        if link is None:
            _failed(page, change, PermanentError(refused))
            continue
        (page.new_links if new else page.changed_links).append(link)
        link.remote_id = result.remote_id
        link.remote_version = result.remote_version
        link.fingerprint = fingerprint(Kind.INVOICE, invoice)
        link.exchanged = form_of(result.document) if result.document else link.exchanged
        link.synced_at = now
        message = "Created." if new else "Updated."
        page.note(change, SyncLogEntry.Outcome.PUSHED, Change.State.DONE, message, result.remote_id)


def _send_batch(adapter: Adapter, request, unsent: frozenset[str]) -> list[Pushed | Exception]:
    """The adapter's answer per item. Items refused for a passing reason wait their backoff in
    the queue (``_failed``), never in this worker; each carries its idempotency key.

    One invoice goes as the single create or update, unless it needs what only the batch does:
    its new customer made inside it, or a look for the copy a request whose answer was lost may
    have made (the key of a single create finds only its own row's)."""
    if len(request) == 1:
        invoice, remote_id, customer, key = request[0]
        if isinstance(customer, str) and (remote_id or key in unsent):
            single = adapter.push_invoice
            return one_call(
                lambda _: [single(invoice, remote_id, customer_remote_id=customer, key=key)],
                request,
            )
    return one_call(lambda items: adapter.push_invoices_batch(items, unsent=unsent), request)


def _void(page: Page, adapter: Adapter, change: Change, record, link: Link) -> None:
    try:
        pushed = adapter.void(change.kind, link.remote_id)
    except (ReconnectNeeded, Throttled):
        raise
    except SyncError as exc:
        _failed(page, change, exc)
        return
    link.remote_version = pushed.remote_version
    link.fingerprint = fingerprint(change.kind, record)
    link.synced_at = timezone.now()
    page.changed_links.append(link)
    page.note(change, SyncLogEntry.Outcome.PUSHED, Change.State.DONE, "Voided.", link.remote_id)


def _failed(page: Page, change: Change, error: Exception, *, prefix: str = "") -> None:
    message = prefix + (error.message if isinstance(error, SyncError) else str(error))
    if isinstance(error, MappingNeeded):
        # The hub will not guess an account or tax code (docs/mapping.md): held back until
        # the mapping is saved, which queues it again.
        page.note(change, SyncLogEntry.Outcome.HELD_BACK, Change.State.HELD_BACK, message)
    elif isinstance(error, Throttled):
        page.wait(change, error.retry_after)
    elif isinstance(error, (TransientError, AuthExpired)):
        page.note(change, SyncLogEntry.Outcome.RETRYING, Change.State.PENDING, message)
        change.last_error = message
        change.retry_after = getattr(error, "retry_after", None)
    else:
        page.note(change, SyncLogEntry.Outcome.FAILED, Change.State.FAILED, message)


@transaction.atomic
def _write(page: Page) -> None:
    absorbed = [c for c, state, _ in page.done.values() if c.absorbed_newer and state == "done"]
    for change in absorbed:
        # What the integration holds may be the first attempt's content: send it again. Queued
        # first, before this transaction locks any row (docs/outbox.md, "Recording takes turns").
        queue_for(
            integration_id=change.integration_id,
            kind=change.kind,
            object_id=change.object_id,
            drain=False,
        )
    again = {(c.kind, c.object_id) for c in absorbed}
    for link in page.new_links + page.changed_links:
        if (link.kind, link.object_id) in again:
            link.fingerprint = ""
    links_create(page.new_links)
    Link.objects.bulk_update(
        page.changed_links,
        ["remote_id", "remote_version", "fingerprint", "exchanged", "synced_at"],
    )
    SyncLogEntry.objects.bulk_create(page.log)
    finish_many(page.done.values())
    for change in page.retry:
        delay = retry_row(change, change.last_error, getattr(change, "retry_after", None))
        page.retry_in = min(page.retry_in or delay, delay)
    outbox.put_back(page.untouched)
