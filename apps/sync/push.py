"""Push: the one path from the outbox to an integration, a page at a time (docs/outbox.md).

Event drains, Sync Now and the nightly export all send through ``push_page``: claim the
integration, re-queue what a dead worker left in progress, take one page of due rows in
dependency order (customers, items, quotes, invoices, payments, time entries), send it, and let
go of the claim. What is waiting chooses the requests: one invoice goes as a single create
(``push_one``); several go together through the provider's batch API, their new customers
found and created in batches too (``push_batch``). The nightly export is the same push at a
scheduled time: it only takes other rows (the invoices held for the night).

A worker sends one page, then gives itself back: the next page is a new task at the end of the
queue, so the drains other integrations queued meanwhile run first (Celery's queue is FIFO).
Nothing waits in a worker: a busy claim, a provider's Retry-After and the hub's own limiter
(``Throttled``) all come back as a countdown for the next task.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from apps.integrations import contract, registry
from apps.integrations.contract import ReconnectNeeded, Throttled
from apps.integrations.models import Integration
from apps.invoices.models import Invoice

from . import outbox, push_batch
from .models import Change, Kind, SyncRun
from .push_one import RECONNECT_WAIT_SECONDS, Context, link_of, load, push_change
from .runs import run_finish, run_save_progress, run_start

__all__ = ["Context", "DrainResult", "drain", "link_of", "load", "push_change", "push_page"]

# Rows an event drain or Sync Now takes before giving its worker back: about 200, in whole
# provider batches (``page_size``). A send with a new customer is two rows (the customer and
# its invoice), so a full page carries about 100 invoices: Xero takes 50 elements a request,
# so 200 rows (the contacts go inside the invoices: one look-up and two PUTs); QuickBooks'
# /batch takes 30, so 240 (120 customers in four batches, 120 invoices in four, one look-up):
# whole batches of each, never one half full because the page ended. Each page costs a task,
# its claim, its run and its look-ups whatever it carries, so in a burst pages of 100 rows
# spent as much of the worker's time on that as on sending; a backlog's first pages stay small
# (``gather``), so other organisations still get their turn within seconds. A provider
# without a batch API (MYOB): 50 rows, 50 single requests at most, as before.
PAGE_SIZE = 200
SINGLE_PAGE_SIZE = 50


def page_size(integration: Integration) -> int:
    pair = batch_rows(integration)
    if not pair:
        return SINGLE_PAGE_SIZE
    return pair * math.ceil(PAGE_SIZE / pair)  # customers and invoices, in whole batches


def batch_rows(integration: Integration) -> int:
    """The rows that fill one provider batch of customers and one of invoices (0 without a
    batch API): the least a burst's page is worth gathering (``gather.hold``)."""
    batch = registry.capabilities_of(integration).batch_size
    return 2 * batch if batch > 1 else 0


# The kinds a page sends together, and how.
BATCHED = {Kind.CUSTOMER: push_batch.push_customer_rows, Kind.INVOICE: push_batch.push_invoices}


@dataclass
class DrainResult:
    busy: bool = False  # another worker holds the integration
    processed: int = 0
    retry_in: float | None = None  # seconds until the rows that wait should be tried again
    run: SyncRun | None = None
    more: bool = False  # rows of this page's kinds are still due
    throttled: bool = False  # the hub's own limiter stopped the page (nothing counted)
    error: str = ""  # the integration must be reconnected


def drain(
    integration: Integration,
    *,
    run: SyncRun | None = None,
    adapter: contract.Adapter | None = None,
    trigger: str = SyncRun.Trigger.EVENT,
) -> DrainResult:
    """Send every due row of ``integration``, page after page, here and now (commands, tests,
    Sync Now run outside a worker). Workers send one page per task (``tasks``)."""
    result = DrainResult(run=run)
    error = ""
    try:
        while True:
            push_page(integration, result=result, adapter=adapter, trigger=trigger)
            if result.busy or result.retry_in is not None or not result.more:
                return result
    except Exception as exc:
        error = f"The drain stopped on an unexpected error: {exc}"[:500]
        raise
    finally:
        if run is None and result.run is not None:
            close_own_run(result, error=error)


def close_own_run(result: DrainResult, *, error: str = "") -> None:
    """A drain that opened its own run closes it when it lets go (a caller's run is the
    caller's to end)."""
    note = "Paused by the integration; continues by itself." if result.retry_in else ""
    run_finish(result.run, error=error or result.error, note=note)


def push_page(
    integration: Integration,
    *,
    result: DrainResult,
    adapter: contract.Adapter | None = None,
    trigger: str = SyncRun.Trigger.EVENT,
    only_kinds: tuple[str, ...] = (),
    size: int | None = None,
) -> DrainResult:
    """Send one page of ``integration``'s due rows (``only_kinds`` when given) into
    ``result``. Exits at once when another worker drains it, and leaves rows waiting while it
    is disconnected or its master switch is off
    (docs/sync-rules.md, "Connecting, disconnecting, reconnecting")."""
    size = size or page_size(integration)
    token = outbox.claim(integration.pk, "drain")
    result.busy, result.more, result.retry_in, result.throttled = token is None, False, None, False
    if token is None:
        return result
    leave = () if only_kinds else left_for_the_night(integration, trigger)
    try:
        # What a dead drain left in progress, and parked records (they go again on the next
        # sync), back in the queue.
        outbox.requeue_left_behind(integration.pk)
        integration.refresh_from_db()
        if not (integration.is_connected and integration.sync_enabled):
            return result
        changes = outbox.take_due(
            integration.pk, limit=size, leave_kinds=leave, only_kinds=only_kinds
        )
        if changes:
            result.run = result.run or run_start(integration=integration, trigger=trigger)
            ctx = Context(integration, adapter or registry.adapter_for(integration), result.run)
            _send(ctx, result, changes, token)
        # A page that took fewer rows than it could, and sent them all, left none due behind
        # it: rows committed since then asked for a drain of their own (docs/outbox.md). So
        # only a full page looks, one stopped part-way (rows put back for a limit or a retry:
        # the export and Sync Now go on after the wait), or one that queued a row itself (a
        # row that had absorbed a newer edit goes again).
        look = (
            len(changes) >= size
            or result.retry_in is not None
            or result.throttled
            or any(change.absorbed_newer for change in changes)
        )
        result.more = look and outbox.has_due(
            integration.pk, leave_kinds=leave, only_kinds=only_kinds
        )
    finally:
        # Whoever asked for a drain meanwhile is served by the next page when there is one,
        # except by the nightly export's, which takes its invoices only.
        follow_up = bool(only_kinds) or not result.more or result.retry_in is not None
        outbox.release(integration.pk, "drain", token, follow_up=follow_up)
    return result


def rows_due(integration: Integration) -> int:
    """The rows an event drain could take now, counted up to a full page: a gathering drain
    goes as soon as it has a full page, and looks again when one is about due
    (``gather.hold``). One query."""
    leave = left_for_the_night(integration, SyncRun.Trigger.EVENT)
    return outbox.due_count(integration.pk, limit=page_size(integration), leave_kinds=leave)


def left_for_the_night(integration: Integration, trigger: str) -> tuple[str, ...]:
    """Invoices of an integration exported nightly wait for the nightly export, unless staff
    force a sync now (docs/sync-rules.md, "Timing")."""
    nightly = integration.invoice_export_timing == Integration.ExportTiming.NIGHTLY
    return (Kind.INVOICE,) if nightly and trigger != SyncRun.Trigger.SYNC_NOW else ()


def _steps(changes: list[Change], *, after_invoices: frozenset[int] = frozenset()):
    """The page in sending order, one row a step, except its invoices (one step: one goes as the
    single create, several through the provider's batch API) and several customers (one step:
    looked up and created in bulk). The customers in ``after_invoices`` go last, together."""
    later = [c for c in changes if c.kind == Kind.CUSTOMER and c.object_id in after_invoices]
    first = [c for c in changes if not any(c is other for other in later)]
    together = {kind: [c for c in first if c.kind == kind] for kind in BATCHED}
    if len(together[Kind.CUSTOMER]) < 2:
        del together[Kind.CUSTOMER]
    steps: list[list[Change]] = []
    for change in first:
        rows = together.get(change.kind)
        if rows is None:
            steps.append([change])
        elif change is rows[0]:
            steps.append(rows)
    return steps + ([later] if later else [])


def _customers_of_invoices(adapter: contract.Adapter, changes: list[Change]) -> frozenset[int]:
    """The page's customers that its invoices name, where the provider can create a new
    customer inside its invoice's own request (Xero: a Contact given by its details). Their rows
    go after the invoices: the invoices' step finds them with one look-up and creates the new
    ones inside the invoice (one request less a send), and their own rows then find them linked
    and unchanged, sending nothing. Elsewhere (QuickBooks) customers go first, as before."""
    if not adapter.capabilities.creates_customer_with_invoice:
        return frozenset()
    invoice_ids = [c.object_id for c in changes if c.kind == Kind.INVOICE]
    if not invoice_ids:
        return frozenset()
    return frozenset(
        Invoice.objects.filter(pk__in=invoice_ids).values_list("customer_id", flat=True)
    )


def _send(ctx: Context, result: DrainResult, changes: list[Change], token: str) -> None:
    steps = _steps(changes, after_invoices=_customers_of_invoices(ctx.adapter, changes))
    for position, rows in enumerate(steps):
        try:
            retry_in = _step(ctx, result, rows)
        except ReconnectNeeded as exc:  # a batch: its rows are back in the queue already
            retry_in, result.error = RECONNECT_WAIT_SECONDS, exc.message
        result.processed += len(rows)
        if retry_in is None and position == len(steps) - 1:
            # The page is sent: its claim is let go and its run saved (by the drain, Sync Now
            # or the export) right after, so neither needs news of it here.
            return
        # A page can outlast the claim (a slow provider, its rate limit): news after every
        # step, so the sweep never takes this live drain for a dead one (docs/outbox.md).
        run_save_progress(result.run)
        if retry_in is not None:
            # The provider is unwell or rate-limiting, or the hub's limiter says wait: the rest
            # of the page goes back as it was taken, and comes back later.
            outbox.put_back([change for later in steps[position + 1 :] for change in later])
            result.retry_in = retry_in
            return
        if not outbox.heartbeat(ctx.integration.pk, "drain", token):
            return  # the claim expired and another drain took over: it sends the rest


def _step(ctx: Context, result: DrainResult, rows: list[Change]) -> float | None:
    if rows[0].kind in BATCHED and (rows[0].kind == Kind.INVOICE or len(rows) > 1):
        push = BATCHED[rows[0].kind]
        page = push(ctx.run, ctx.integration, ctx.adapter, rows)
        result.throttled = result.throttled or bool(page.untouched)
        result.processed -= len(page.untouched)
        return page.retry_in
    try:
        return push_change(ctx, rows[0])
    except Throttled as exc:
        outbox.put_back(rows)
        result.throttled = True
        result.processed -= 1
        return exc.retry_after
