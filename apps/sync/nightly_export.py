"""The nightly invoice export: the push path at a scheduled time (``apps.sync.push``).

It takes the invoices held for the night (``only_kinds``), in pages of
``SYNC_EXPORT_PAGE_SIZE`` sent through the provider's batch API, customers first. Its run stays
open across pages: in a worker each page is a task that queues the next one (``nightly_tasks``),
so the integrations queued meanwhile are served between its pages; the last page closes the run.
A run it cannot finish is resumed by the sweep (``export_resume``, docs/crash-safety.md).
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.utils import timezone

from apps.integrations import registry
from apps.integrations.contract import Adapter
from apps.integrations.models import Integration

from .fault_points import fault_point
from .models import Change, Kind, SyncRun
from .push import DrainResult, push_page
from .rules import sync_to_off
from .runs import run_finish, run_save_progress, run_start

# Why a finished run is to be resumed by the sweep (``SyncRun.counts["resume"]``).
RESUME_CRASH = "crash"
RESUME_RETRY = "retry"
# How long an export started by the schedule waits, task after task, for an event-driven drain
# of the same integration to let go, and how often it looks.
CLAIM_WAIT_SECONDS = 300.0
CLAIM_LOOK_SECONDS = 2.0
BUSY = "Another sync of this integration is still running."


def nightly_export_run(*, integration: Integration, run: SyncRun | None = None) -> SyncRun:
    """Export the integration's waiting invoices now, every page here (the ``export_invoices``
    command, tests); the finished SyncRun (trigger "nightly")."""
    run = run or run_start(integration=integration, trigger=SyncRun.Trigger.NIGHTLY)
    night_begins(integration)
    while True:
        countdown = export_page(run, integration=integration)
        if countdown is None:
            run.refresh_from_db()
            return run
        time.sleep(countdown)  # a command's own process, not a worker


def night_begins(integration: Integration) -> None:
    """The night's export takes every invoice held for it, including those waiting out a
    backoff: the schedule is when they go."""
    Change.objects.filter(
        integration=integration, kind=Kind.INVOICE, state=Change.State.PENDING
    ).update(next_attempt_at=None)


# Each export run's adapter in this process, kept from page to page (a task each): what it
# learns once per run, such as the customer directory it reads whole, is not read again for
# every page (Xero: a contact list read per page of 300 was 3 requests more per 1,000 invoices).
# A page in another process simply starts a new one. Bounded; a finished run's is dropped.
_adapters: dict[int, Adapter] = {}
_adapters_lock = threading.Lock()
KEPT_ADAPTERS = 16


def _adapter_of(run: SyncRun, integration: Integration) -> Adapter:
    with _adapters_lock:
        adapter = _adapters.get(run.pk)
        if adapter is None:
            while len(_adapters) >= KEPT_ADAPTERS:
                _adapters.pop(next(iter(_adapters)))
            return _adapters.setdefault(run.pk, registry.adapter_for(integration))
    # A later page: it works on this page's integration, and the tax mappings suggested on
    # pages that went through are kept: a refusal on this page undoes only its own
    # (apps.integrations.mappings.forget_made).
    adapter.integration = integration
    adapter.tax_mapped_now.clear()
    return adapter


def _run_ends(run: SyncRun, **kwargs) -> None:
    with _adapters_lock:
        _adapters.pop(run.pk, None)
    run_finish(run, **kwargs)


def export_page(run: SyncRun, *, integration: Integration | None = None) -> float | None:
    """Send one page of the export into ``run``; the countdown for the next page, or None when
    the run is finished."""
    integration = integration or run.integration
    if not integration.syncs_to(Kind.INVOICE):
        _run_ends(run, note=f"Nothing exported: {sync_to_off(integration, Kind.INVOICE)}")
        return None
    result = DrainResult(run=run)
    try:
        push_page(
            integration,
            result=result,
            adapter=_adapter_of(run, integration),
            trigger=SyncRun.Trigger.NIGHTLY,
            only_kinds=(Kind.INVOICE,),
            size=settings.SYNC_EXPORT_PAGE_SIZE,
        )
    except Exception as exc:
        # Whatever it was, the run must not read "running" for ever; the rows it had taken are
        # put back by the next claim of this integration (outbox.requeue_left_behind), and the
        # sweep resumes the export (apps.sync.export_resume).
        run.counts["resume"] = RESUME_CRASH
        _run_ends(run, error=f"The export stopped on an unexpected error: {exc}")
        raise
    if result.busy:
        waited = (timezone.now() - run.started_at).total_seconds()
        if waited < CLAIM_WAIT_SECONDS:
            return CLAIM_LOOK_SECONDS
        _run_ends(run, error=BUSY)
        return None
    if result.error:
        _run_ends(run, error=result.error)
        return None
    run_save_progress(run)
    fault_point("export-between-pages")
    if result.more:
        return result.retry_in if result.throttled else 0.0
    if run.counts.get("retrying"):
        # Refused for a passing reason: the sweep resumes the export when they are due.
        run.counts["resume"] = RESUME_RETRY
    _run_ends(run)
    return None
