"""Several invoices of one page in one call: the batch half of the push path.

The adapter's ``push_invoices_batch`` cuts them into the provider's batch size (QBO ``/batch``,
30 per request; Xero up to 50 per request) and shares its look-ups across those requests. The
page is decided with the engine's rules, its missing customers linked first (found or created,
in batches too: ``push_customers``), its invoices pushed, and every item's outcome written
together: Link, Sync Log entry and the row's state. What a single invoice costs is
``push_one``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from apps.customers.models import Customer
from apps.integrations.models import Integration
from apps.invoices.models import Invoice

from . import outbox
from .adapters import Adapter, NewCustomer, Pushed
from .errors import (
    AuthExpired,
    PermanentError,
    ReconnectNeeded,
    SyncError,
    Throttled,
    TransientError,
)
from .exchanged import form_of
from .export_links import existing_links, link_for, links_create
from .fault_points import fault_point
from .fingerprints import fingerprint
from .items import linked_items
from .models import Change, Kind, Link, Side, SyncLogEntry, SyncRun
from .push_customers import CREATED, customers_resolve, one_call
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

    def note(
        self, change: Change, outcome: str, state: str, message: str = "", remote_id: str = ""
    ):
        self.log.append(
            SyncLogEntry(
                run=self.run,
                integration=self.integration,
                kind=Kind.INVOICE,
                object_id=change.object_id,
                remote_id=remote_id,
                direction=SyncLogEntry.Direction.PUSH,
                outcome=outcome,
                message=message,
            )
        )
        count(self.run, outcome, message=message, kind=Kind.INVOICE, object_id=change.object_id)
        if state == Change.State.PENDING:
            self.retry.append(change)
        else:
            self.done[change.pk] = (change, state, message if state == Change.State.FAILED else "")

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
    page = Page(run=run, integration=integration)
    try:
        _send_page(page, adapter, changes)
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


def _send_page(page: Page, adapter: Adapter, changes: list[Change]) -> None:
    integration = page.integration
    ids = [change.object_id for change in changes]
    invoices = Invoice.objects.filter(pk__in=ids, organisation_id=integration.organisation_id)
    invoices = {
        invoice.pk: invoice
        for invoice in invoices.select_related("customer").prefetch_related("lines__service_item")
    }
    links = _links(integration, Kind.INVOICE, ids)
    to_push: list[tuple[Change, Invoice, Link | None]] = []
    for change in changes:
        invoice, link = invoices.get(change.object_id), links.get(change.object_id)
        decision = decide(integration, Kind.INVOICE, invoice, link)
        if decision.action == Action.PUSH:
            to_push.append((change, invoice, link))
        elif decision.action == Action.VOID:
            _void(page, adapter, change, invoice, link)
        elif decision.action == Action.HOLD:
            page.note(
                change, SyncLogEntry.Outcome.HELD_BACK, Change.State.HELD_BACK, decision.reason
            )
        else:
            page.note(change, SyncLogEntry.Outcome.SKIPPED, Change.State.DONE, decision.reason)
    customer_ids = _customers_first(page, adapter, [item[1].customer for item in to_push])
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


def _links(integration: Integration, kind: str, object_ids: Sequence[int]) -> dict[int, Link]:
    rows = Link.objects.filter(
        integration=integration, kind=kind, object_id__in=object_ids, merged_into__isnull=True
    )
    return {link.object_id: link for link in rows}


def _customers_first(
    page: Page, adapter: Adapter, customers: list[Customer]
) -> dict[int, str | SyncError | NewCustomer]:
    """Remote id (or the error) for each invoice's customer id, linking the customers not linked
    yet: matched in the integration by e-mail then display name, otherwise created (rule 10).
    A customer merged into another stands for the one it was kept as."""
    kept = {customer.pk: _kept(customer) for customer in customers}
    unique = {customer.pk: customer for customer in kept.values()}
    linked = _links(page.integration, Kind.CUSTOMER, list(unique))
    remote: dict[int, str | SyncError | NewCustomer] = {
        pk: link.remote_id for pk, link in linked.items()
    }
    missing = [customer for pk, customer in unique.items() if pk not in linked]
    resolved = list(customers_resolve(adapter, page.integration, missing)) if missing else []
    # Two hub customers may match one remote customer (the same e-mail): the first keeps the
    # link, the others still use its id, as the event-driven push does.
    taken = set(
        Link.objects.filter(
            integration=page.integration,
            kind=Kind.CUSTOMER,
            remote_id__in=[o.remote_id for _, o, _ in resolved if isinstance(o, Pushed)],
        ).values_list("remote_id", flat=True)
    )
    for customer, outcome, how in resolved:
        remote[customer.pk] = outcome
        if isinstance(outcome, SyncError | NewCustomer):
            continue
        remote[customer.pk] = outcome.remote_id
        if outcome.remote_id not in taken:
            taken.add(outcome.remote_id)
            link = _customer_link(page.integration, customer, outcome, how == CREATED)
            page.new_links.append(link)
        _note_customer(page, customer, outcome, how == CREATED)
    return {pk: remote[customer.pk] for pk, customer in kept.items()}


def _kept(customer: Customer) -> Customer:
    while customer.merged_into_id:
        customer = customer.merged_into
    return customer


def _note_customer(
    page: Page, customer: Customer, pushed: Pushed, created: bool, *, with_invoice: bool = False
) -> None:
    if not created:
        message = "Matched an existing customer in the integration."
    elif pushed.remote_name and pushed.remote_name != customer.display_name:
        message = f"Created as “{pushed.remote_name}” (the name was taken by someone else)."
    elif with_invoice:
        message = "Created with its invoice."
    else:
        message = "Created before its invoice."
    page.log.append(
        SyncLogEntry(
            run=page.run,
            integration=page.integration,
            kind=Kind.CUSTOMER,
            object_id=customer.pk,
            remote_id=pushed.remote_id,
            direction=SyncLogEntry.Direction.PUSH,
            outcome=SyncLogEntry.Outcome.PUSHED,
            message=message,
        )
    )
    name = "customers_created" if created else "customers_matched"
    page.run.counts[name] = page.run.counts.get(name, 0) + 1


def _customer_link(integration: Integration, customer: Customer, pushed: Pushed, created: bool):
    now = timezone.now()
    return Link(
        integration=integration,
        kind=Kind.CUSTOMER,
        object_id=customer.pk,
        remote_id=pushed.remote_id,
        remote_version=pushed.remote_version,
        fingerprint=fingerprint(Kind.CUSTOMER, customer),
        created_by=Side.HUB if created else Side.REMOTE,
        synced_at=now,
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
            _customer_made_with_invoice(page, customer_remote.customer, result.customer)
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


def _customer_made_with_invoice(page: Page, customer: Customer, made: Pushed) -> None:
    """Link a customer created inside its invoice, once (it may have several on the page)."""
    if customer.pk in page.made_with_invoice:
        return
    page.made_with_invoice.add(customer.pk)
    page.new_links.append(_customer_link(page.integration, customer, made, created=True))
    _note_customer(page, customer, made, True, with_invoice=True)


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


def _void(page: Page, adapter: Adapter, change: Change, invoice: Invoice, link: Link) -> None:
    try:
        pushed = adapter.void(Kind.INVOICE, link.remote_id)
    except (ReconnectNeeded, Throttled):
        raise
    except SyncError as exc:
        _failed(page, change, exc)
        return
    link.remote_version = pushed.remote_version
    link.fingerprint = fingerprint(Kind.INVOICE, invoice)
    link.synced_at = timezone.now()
    page.changed_links.append(link)
    page.note(change, SyncLogEntry.Outcome.PUSHED, Change.State.DONE, "Voided.", link.remote_id)


def _failed(page: Page, change: Change, error: Exception, *, prefix: str = "") -> None:
    message = prefix + (error.message if isinstance(error, SyncError) else str(error))
    if isinstance(error, Throttled):
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
    again = {c.object_id for c in absorbed}
    for link in page.new_links + page.changed_links:
        if link.kind == Kind.INVOICE and link.object_id in again:
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
