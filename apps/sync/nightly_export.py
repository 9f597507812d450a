"""The nightly invoice export: every waiting invoice change of one integration, through the
provider's batch API (QBO ``/batch``, 30 per request; Xero up to 50 per request), customers first.

It streams: the outbox is read page by page (keyset on the change id), so memory stays flat
however many invoices wait. Each page is claimed, decided with the engine's rules, its missing
customers linked (found or created), its invoices pushed in batches, and every item's outcome
written at once: Link, Sync Log entry and the change's state.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.customers.models import Customer
from apps.integrations.contract import (
    Adapter,
    AuthExpired,
    NewCustomer,
    PermanentError,
    Pushed,
    ReconnectNeeded,
    SyncError,
    TransientError,
)
from apps.integrations.models import Integration
from apps.integrations.registry import adapter_for
from apps.invoices.models import Invoice

from . import outbox
from .exchanged import form_of
from .export_links import existing_links, link_for, links_create
from .fault_points import fault_point
from .fingerprints import fingerprint
from .items import linked_items
from .models import Change, Kind, Link, Side, SyncLogEntry, SyncRun
from .nightly_customers import customers_resolve, each_with_retries
from .rules import Action, decide, sync_to_off
from .runs import count, run_finish, run_save_progress, run_start

# Why a finished run is to be resumed by the sweep (``SyncRun.counts["resume"]``).
RESUME_CRASH = "crash"
RESUME_RETRY = "retry"
# How long the export waits for an event-driven drain of the same integration to finish.
CLAIM_WAIT_SECONDS = 300.0


class ExportStopped(Exception):
    """The integration cannot be talked to at all (reconnect needed): the run stops."""


@dataclass
class Page:
    """One page's outcomes, written together."""

    run: SyncRun
    integration: Integration
    new_links: list[Link] = field(default_factory=list)
    changed_links: list[Link] = field(default_factory=list)
    log: list[SyncLogEntry] = field(default_factory=list)
    states: dict[int, tuple[str, str]] = field(default_factory=dict)  # change id → state, error
    retry: list[Change] = field(default_factory=list)
    made_with_invoice: set[int] = field(default_factory=set)  # customer ids linked that way

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
            self.states[change.pk] = (state, message if state == Change.State.FAILED else "")


def nightly_export_run(*, integration: Integration, run: SyncRun | None = None) -> SyncRun:
    """Export the integration's waiting invoices now; the finished SyncRun (trigger "nightly")."""
    run = run or run_start(integration=integration, trigger=SyncRun.Trigger.NIGHTLY)
    token = _claim_drain(integration.pk)
    if token is None:
        return run_finish(run, error="Another sync of this integration is still running.")
    try:
        outbox.requeue_orphans(integration.pk)
        if not integration.syncs_to(Kind.INVOICE):
            return run_finish(
                run, note=f"Nothing exported: {sync_to_off(integration, Kind.INVOICE)}"
            )
        adapter, last_id = None, 0
        while True:
            changes = _take_page(integration.pk, after=last_id)
            if not changes:
                break
            last_id = changes[-1].pk
            adapter = adapter or adapter_for(integration)
            _export_page(run, integration, adapter, changes)
            run_save_progress(run)
            outbox.heartbeat(integration.pk, "drain", token)
            fault_point("export-between-pages")
        if run.counts.get("retrying"):
            # Refused for a passing reason: the sweep resumes the export when they are due.
            run.counts["resume"] = RESUME_RETRY
        return run_finish(run)
    except ExportStopped as exc:
        return run_finish(run, error=str(exc))
    except Exception as exc:
        # Whatever it was, the run must not read "running" for ever; the rows it had taken are
        # put back by the next claim of this integration (outbox.requeue_orphans), and the
        # sweep resumes the export (apps.sync.export_resume).
        run.counts["resume"] = RESUME_CRASH
        run_finish(run, error=f"The export stopped on an unexpected error: {exc}")
        raise
    finally:
        outbox.release(integration.pk, "drain", token)


def _claim_drain(integration_id: int) -> str | None:
    deadline = time.monotonic() + CLAIM_WAIT_SECONDS
    while True:
        token = outbox.claim(integration_id, "drain")
        if token is not None or time.monotonic() > deadline:
            return token
        time.sleep(1.0)


def _take_page(integration_id: int, *, after: int) -> list[Change]:
    """The next page of waiting invoice changes, marked in progress (conditionally: a row an
    event-driven drain took meanwhile is not taken twice)."""
    page = list(
        Change.objects.filter(
            integration_id=integration_id,
            kind=Kind.INVOICE,
            state=Change.State.PENDING,
            pk__gt=after,
        ).order_by("pk")[: settings.SYNC_EXPORT_PAGE_SIZE]
    )
    if not page:
        return []
    now = timezone.now()
    Change.objects.filter(pk__in=[c.pk for c in page], state=Change.State.PENDING).update(
        state=Change.State.IN_PROGRESS, claimed_at=now
    )
    return page


def _export_page(
    run: SyncRun, integration: Integration, adapter: Adapter, changes: list[Change]
) -> None:
    page = Page(run=run, integration=integration)
    ids = [change.object_id for change in changes]
    invoices = Invoice.objects.filter(pk__in=ids, organisation_id=integration.organisation_id)
    invoices = {
        invoice.pk: invoice
        for invoice in invoices.select_related("customer").prefetch_related("lines__service_item")
    }
    links = _links(integration, Kind.INVOICE, ids)
    to_push: list[tuple[Change, Invoice, Link | None]] = []
    try:
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
            if isinstance(remote_customer, SyncError):
                _failed(page, change, remote_customer, prefix="Its customer could not be sent: ")
            else:
                ready.append((change, invoice, link, remote_customer))
        if ready:
            # The whole page in one call: the adapter cuts it into the provider's batch size
            # (QBO 30, Xero 50) and can share its look-ups across those batches.
            unsent = _mark_sent(integration, ready)
            _push_batch(page, adapter, ready, unsent)
    except ExportStopped:
        _write(page)
        outbox_rows = [c for c in changes if c.pk not in page.states and c not in page.retry]
        for change in outbox_rows:
            outbox.requeue(change)
        raise
    _write(page)


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
    yet: matched in the integration by e-mail then display name, otherwise created
    (docs/sync-rules.md, "Matching and duplicates").
    A customer merged into another stands for the one it was kept as."""
    kept = {customer.pk: _kept(customer) for customer in customers}
    unique = {customer.pk: customer for customer in kept.values()}
    linked = _links(page.integration, Kind.CUSTOMER, list(unique))
    remote: dict[int, str | SyncError | NewCustomer] = {
        pk: link.remote_id for pk, link in linked.items()
    }
    missing = [customer for pk, customer in unique.items() if pk not in linked]
    try:
        resolved = list(customers_resolve(adapter, page.integration, missing)) if missing else []
    except ReconnectNeeded as exc:
        raise ExportStopped(exc.message) from exc
    # Two hub customers may match one remote customer (the same e-mail): the first keeps the
    # link, the others still use its id, as the event-driven push does.
    taken = set(
        Link.objects.filter(
            integration=page.integration,
            kind=Kind.CUSTOMER,
            remote_id__in=[o.remote_id for _, o, _ in resolved if isinstance(o, Pushed)],
        ).values_list("remote_id", flat=True)
    )
    for customer, outcome, created in resolved:
        remote[customer.pk] = outcome
        if isinstance(outcome, SyncError | NewCustomer):
            continue
        remote[customer.pk] = outcome.remote_id
        if outcome.remote_id not in taken:
            taken.add(outcome.remote_id)
            page.new_links.append(_customer_link(page.integration, customer, outcome, created))
        _note_customer(page, customer, outcome, created)
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
        page.note(
            change, SyncLogEntry.Outcome.PUSHED, Change.State.DONE, remote_id=result.remote_id
        )


def _customer_made_with_invoice(page: Page, customer: Customer, made: Pushed) -> None:
    """Link a customer created inside its invoice, once (it may have several on the page)."""
    if customer.pk in page.made_with_invoice:
        return
    page.made_with_invoice.add(customer.pk)
    page.new_links.append(_customer_link(page.integration, customer, made, created=True))
    _note_customer(page, customer, made, True, with_invoice=True)


def _send_batch(adapter: Adapter, request, unsent: frozenset[str]) -> list[Pushed | Exception]:
    """The adapter's answer per item; items refused for a transient reason (429, 5xx, time-out)
    are sent again after the wait asked for, every item carrying its idempotency key. Only the
    first call may skip the look-up for an earlier copy: after it, any item may have left."""
    calls = 0

    def push(items):
        nonlocal calls
        calls += 1
        return adapter.push_invoices_batch(items, unsent=unsent if calls == 1 else frozenset())

    try:
        return each_with_retries(push, request)
    except ReconnectNeeded as exc:
        raise ExportStopped(exc.message) from exc


def _void(page: Page, adapter: Adapter, change: Change, invoice: Invoice, link: Link) -> None:
    try:
        pushed = adapter.void(Kind.INVOICE, link.remote_id)
    except ReconnectNeeded as exc:
        raise ExportStopped(exc.message) from exc
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
    if isinstance(error, (TransientError, AuthExpired)):
        page.note(change, SyncLogEntry.Outcome.RETRYING, Change.State.PENDING, message)
        change.last_error = message
    else:
        page.note(change, SyncLogEntry.Outcome.FAILED, Change.State.FAILED, message)


@transaction.atomic
def _write(page: Page) -> None:
    links_create(page.new_links)
    Link.objects.bulk_update(
        page.changed_links,
        ["remote_id", "remote_version", "fingerprint", "exchanged", "synced_at"],
    )
    SyncLogEntry.objects.bulk_create(page.log)
    by_state: dict[tuple[str, str], list[int]] = {}
    for change_id, state_error in page.states.items():
        by_state.setdefault(state_error, []).append(change_id)
    for (state, error), ids in by_state.items():
        Change.objects.filter(pk__in=ids).update(state=state, last_error=error, claimed_at=None)
    for change in page.retry:
        _retry_later(change)


def _retry_later(change: Change) -> None:
    attempts = change.attempts + 1
    delay = outbox.backoff_seconds(attempts)
    outbox.requeue(change)
    Change.objects.filter(pk=change.pk).update(
        attempts=attempts,
        last_error=change.last_error,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
