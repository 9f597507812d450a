"""``manage.py fault_suite``: crash, lose and refuse things under real processes, then check every
ledger against the hub.

It runs as the benchmark does (apps.sandbox.tools.benchmark): the sandbox server under gunicorn
on a free port and real Celery workers, on the PostgreSQL database and Redis of this process,
with a queue of their own. Each fault gets a new organisation connected to a new QuickBooks
company and a new Xero tenant, N customers and N sent invoices waiting; the fault strikes; then,
as beat would, the sweep runs every few seconds on a healthy worker until the outbox is settled,
and a last pull of every integration reads the ledgers back. The row counts what is wrong
afterwards. See docs/crash-safety.md for each fault and what it proves.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.integrations.models import Integration
from apps.sandbox.control import fault_inject
from apps.sandbox.models import SandboxCompany, SandboxRequest
from apps.sync.fault_points import KILL_AT
from apps.sync.models import Change, SyncRun, SyncState
from apps.sync.runs import run_send, run_start

from .benchmark import PROVIDERS, request_mark, sandbox_webhooks_off
from .benchmark_data import (
    PLACE,
    customers_create,
    sandbox_integration_connect,
    sent_invoices_create,
)
from .fault_checks import Row, export_row, pull_row
from .processes import Worker, require_real_services, sandbox_server, stop, worker_start

SWEEP_EVERY = 2.0


@dataclass
class Lab:
    """The running processes and the suite's settings."""

    env: dict
    log: object
    queue: str
    invoices: int
    claim_timeout: int
    workers: list[Worker] = field(default_factory=list)

    def worker(self, **extra_env) -> Worker:
        worker = worker_start(
            self.env | extra_env, self.log, self.queue, name=f"-{len(self.workers)}"
        )
        self.workers.append(worker)
        return worker

    def alive(self) -> list[Worker]:
        return [w for w in self.workers if w.process.poll() is None]

    def stop_all(self) -> None:
        for worker in self.alive():
            stop(worker.process)

    def send(self, task_name: str, *args) -> None:
        from config.celery import app

        app.send_task(task_name, args, queue=self.queue)

    @property
    def settle_seconds(self) -> float:
        return 4 * self.claim_timeout + 120 + self.invoices * 1.5


@dataclass
class Fixture:
    tag: str
    organisation: Organisation
    integrations: list[Integration]


def fixture(lab: Lab, *, nightly: bool) -> Fixture:
    tag = uuid.uuid4().hex[:6]
    organisation = Organisation.objects.create(name=f"Faults {tag}", **PLACE)
    integrations = [
        sandbox_integration_connect(organisation=organisation, provider=p, nightly=nightly)
        for p in PROVIDERS
    ]
    customer_ids = customers_create(organisation=organisation, count=lab.invoices, tag=tag)
    sent_invoices_create(
        organisation=organisation,
        customer_ids=customer_ids,
        integrations=integrations,
        tag=tag,
        first_number=1,
    )
    return Fixture(tag, organisation, integrations)


# --- what sets each fault off ----------------------------------------------------------------
def export_now(lab: Lab, fix: Fixture) -> None:
    from apps.sync.nightly_tasks import export_invoices_now

    for integration in fix.integrations:
        run = run_start(integration=integration, trigger="nightly")
        run_send(export_invoices_now, run, queue=lab.queue)


def drain_now(lab: Lab, fix: Fixture) -> None:
    from apps.sync.tasks import DRAIN_TASK

    for integration in fix.integrations:
        lab.send(DRAIN_TASK, integration.pk)


def pull_now(lab: Lab, integrations: list[Integration]) -> None:
    from apps.sync.tasks import PULL_TASK

    for integration in integrations:
        lab.send(PULL_TASK, integration.pk)


def wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def answered_since(mark: int, fix: Fixture) -> int:
    companies = [i.remote_company_id for i in fix.integrations]
    return SandboxRequest.objects.filter(pk__gt=mark, company__external_id__in=companies).count()


def kill_when(lab: Lab, check: Callable[[], bool], seconds: float) -> str:
    """SIGKILL every worker once ``check()`` holds; a note when it never did."""
    if not wait_for(check, seconds):
        return "the fault never struck (the work ended first)"
    for worker in lab.alive():
        worker.process.kill()
        worker.process.wait()
    return ""


def killed_at_point(lab: Lab, fix: Fixture, point: str) -> str:
    """A worker that kills itself at ``point`` runs the export; a healthy one replaces it and
    the integrations are pulled at once, before anything could resume the export."""
    lab.stop_all()
    worker = lab.worker(**{KILL_AT: point})
    export_now(lab, fix)
    if not wait_for(lambda: worker.process.poll() is not None, lab.settle_seconds):
        return f"the worker never reached {point}"
    lab.worker()
    pull_now(lab, fix.integrations)
    return ""


def killed_mid_push(lab: Lab, fix: Fixture) -> str:
    for integration in fix.integrations:
        Integration.objects.filter(pk=integration.pk).update(
            invoice_export_timing=Integration.ExportTiming.IMMEDIATE
        )
    mark = request_mark()
    drain_now(lab, fix)
    note = kill_when(lab, lambda: answered_since(mark, fix) >= lab.invoices, lab.settle_seconds)
    lab.worker()
    return note


def redis_flushed(lab: Lab, fix: Fixture) -> str:
    """Tasks sent while no worker listens, then Redis emptied: the queued exports are lost."""
    lab.stop_all()
    export_now(lab, fix)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    lab.worker()
    return ""


def postgres_connections_killed(lab: Lab, fix: Fixture) -> str:
    mark = request_mark()
    export_now(lab, fix)
    if not wait_for(lambda: answered_since(mark, fix) >= 3, lab.settle_seconds):
        return "the fault never struck (no request was sent)"
    for _ in range(3):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        time.sleep(1.0)
    return ""


STORM = (("429", 30), ("503", 30), ("500", 15), ("timeout", 2))


def provider_storm(lab: Lab, fix: Fixture) -> str:
    """More refusals in a row than the old 8-try limit allowed, through event pushes."""
    for integration in fix.integrations:
        Integration.objects.filter(pk=integration.pk).update(
            invoice_export_timing=Integration.ExportTiming.IMMEDIATE
        )
        for kind, count in STORM:
            fault_inject(company=integration.remote_company_id, kind=kind, count=count)
    drain_now(lab, fix)
    return ""


def two_workers(lab: Lab, fix: Fixture) -> str:
    """Two workers, each handed the export of both integrations, with drains beside them."""
    if len(lab.alive()) < 2:
        lab.worker()
    export_now(lab, fix)
    export_now(lab, fix)
    drain_now(lab, fix)
    return ""


EXPORT_FAULTS: dict[str, Callable[[Lab, Fixture], str]] = {
    "worker killed between export pages": lambda lab, fix: killed_at_point(
        lab, fix, "export-between-pages"
    ),
    "worker killed after customers, before invoices": lambda lab, fix: killed_at_point(
        lab, fix, "export-after-customers"
    ),
    "worker killed after a batch was sent, before its links": lambda lab, fix: killed_at_point(
        lab, fix, "export-after-send"
    ),
    "worker killed during event pushes": killed_mid_push,
    "Redis emptied with exports queued": redis_flushed,
    "PostgreSQL connections killed mid-export": postgres_connections_killed,
    "429 / 5xx / time-out storm": provider_storm,
    "two workers on one integration": two_workers,
}
PULL_FAULT = "worker killed during a pull"
FAULTS = [*EXPORT_FAULTS, PULL_FAULT]
SHORT = ["worker killed after a batch was sent, before its links"]


# --- recovery, as beat would drive it ---------------------------------------------------------
def settle(lab: Lab, integrations: list[Integration], *, pulls: bool = False) -> None:
    """Sweep every few seconds on a healthy worker until nothing waits or is being sent and
    every run is closed. Once the outbox is quiet, open runs get one claim timeout and a few
    sweeps more (the sweep closes a dead worker's run after one), no more: the row then shows
    them."""
    from apps.sync.tasks import SWEEP_TASK

    if not lab.alive():
        lab.worker()
    ids = [i.pk for i in integrations]
    busy = [Change.State.PENDING, Change.State.IN_PROGRESS]
    deadline = time.monotonic() + lab.settle_seconds
    quiet_since = None
    while time.monotonic() < deadline:
        lab.send(SWEEP_TASK)
        if pulls:
            pull_now(lab, integrations)
        quiet = not Change.objects.filter(integration_id__in=ids, state__in=busy).exists()
        closed = not SyncRun.objects.filter(
            integration_id__in=ids, finished_at__isnull=True
        ).exists()
        if quiet and closed:
            return
        quiet_since = (quiet_since or time.monotonic()) if quiet else None
        if quiet_since and time.monotonic() - quiet_since > lab.claim_timeout + 8 * SWEEP_EVERY:
            return
        time.sleep(SWEEP_EVERY)


def final_pull(lab: Lab, integrations: list[Integration]) -> None:
    """One pull of each integration that completes (a pull that finds another one's claim
    is sent again, as the next periodic pull would be)."""
    since = timezone.now()

    def pulled() -> bool:
        done = SyncState.objects.filter(
            integration__in=integrations, last_pull_at__gt=since
        ).count()
        return done == len(integrations)

    deadline = time.monotonic() + lab.settle_seconds
    while time.monotonic() < deadline and not pulled():
        pull_now(lab, integrations)
        wait_for(pulled, 5 * SWEEP_EVERY)
    settle(lab, integrations)


def run_export_fault(lab: Lab, name: str) -> Row:
    started = time.monotonic()
    fix = fixture(lab, nightly=True)
    if not lab.alive():
        lab.worker()
    note = EXPORT_FAULTS[name](lab, fix)
    settle(lab, fix.integrations)
    final_pull(lab, fix.integrations)
    row = export_row(name, fix.organisation, fix.integrations, fix.tag, lab.invoices)
    row.note = note
    row.seconds = time.monotonic() - started
    return row


def run_pull_fault(lab: Lab) -> Row:
    """The invoices of one organisation, exported cleanly, pulled into two new organisations
    (one reads the QuickBooks company, the other the Xero tenant); the worker is killed while
    the pulls write them into the hub."""
    started = time.monotonic()
    source = fixture(lab, nightly=True)
    if not lab.alive():
        lab.worker()
    export_now(lab, source)
    settle(lab, source.integrations)
    readers = []
    for integration in source.integrations:
        organisation = Organisation.objects.create(
            name=f"Readers {source.tag} {integration.provider}", **PLACE
        )
        company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
        readers.append(
            sandbox_integration_connect(
                organisation=organisation,
                provider=integration.provider,
                nightly=False,
                company=company,
            )
        )
    pull_now(lab, readers)

    def halfway() -> bool:
        from apps.invoices.models import Invoice

        pulled = Invoice.objects.filter(organisation__in=[r.organisation for r in readers])
        return pulled.count() >= max(1, lab.invoices // 2)

    note = kill_when(lab, halfway, lab.settle_seconds)
    lab.worker()
    # The killed pull's claim stands until it expires: pulls are sent again, as beat does.
    settle(lab, readers, pulls=True)
    final_pull(lab, readers)
    row = pull_row(PULL_FAULT, readers, source.tag, lab.invoices)
    row.note = note
    row.seconds = time.monotonic() - started
    return row


def fault_suite_run(
    *,
    invoices: int,
    faults: list[str],
    claim_timeout: int = 60,
    page_size: int = 50,
    rate_window: float = 60.0,
    report: Callable[[Row], None] = lambda row: None,
) -> list[Row]:
    """Every fault of ``faults`` in turn; one row each (also handed to ``report`` as it ends)."""
    require_real_services()
    previous = settings.SYNC_CLAIM_TIMEOUT_SECONDS
    settings.SYNC_CLAIM_TIMEOUT_SECONDS = claim_timeout
    extra = {
        "SYNC_CLAIM_TIMEOUT_SECONDS": str(claim_timeout),
        "SYNC_EXPORT_PAGE_SIZE": str(page_size),
        "SYNC_BACKOFF_BASE_SECONDS": "0.5",
        "SYNC_BACKOFF_MAX_SECONDS": "5",
        "SANDBOX_FAULT_TIMEOUT_SECONDS": "2",
    }
    rows = []
    try:
        with (
            sandbox_webhooks_off(),
            sandbox_server(rate_window=rate_window, label="faults", **extra) as (_, env, log, q),
        ):
            lab = Lab(
                env=env | {"CELERY_TASK_DEFAULT_QUEUE": q},
                log=log,
                queue=q,
                invoices=invoices,
                claim_timeout=claim_timeout,
            )
            try:
                for name in faults:
                    row = run_pull_fault(lab) if name == PULL_FAULT else run_export_fault(lab, name)
                    rows.append(row)
                    report(row)
            finally:
                lab.stop_all()
    finally:
        settings.SYNC_CLAIM_TIMEOUT_SECONDS = previous
    return rows
