"""``manage.py benchmark_sync``: the nightly export and a no-change Sync Now, measured end to end.

Three processes, so each figure belongs to one side:
- this process sets up the data, sends the work and reads the results;
- a Celery worker (threads pool, one process) does all hub work: its CPU time and peak RSS are
  the hub's figures;
- gunicorn serves the app, and so both sandboxes, on a free 127.0.0.1 port: the providers' own
  handling never counts as hub CPU.
All three share the PostgreSQL database and Redis of this process. The sandbox's request log
(SandboxRequest) counts the API calls; its records are queried for duplicates and gaps.
"""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.integrations.models import Integration
from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.models import SandboxApp, SandboxCompany, SandboxRequest
from apps.sync.models import SyncRun
from apps.sync.runs import run_send, run_start

from .benchmark_data import (
    PLACE,
    customers_create,
    sandbox_integration_connect,
    sandbox_tally,
    sent_invoices_create,
)
from .processes import (
    BenchmarkError,
    Worker,
    require_real_services,
    sandbox_server,
    stop,
    worker_start,
)

PROVIDERS = ("quickbooks", "xero", "myob")


@dataclass
class Phase:
    name: str
    invoices: int
    wall_seconds: float = 0.0
    hub_cpu_seconds: float = 0.0
    requests: dict = field(default_factory=dict)  # provider → count
    throttled: dict = field(default_factory=dict)  # provider → 429 answers
    batches: dict = field(default_factory=dict)  # provider → QBO /batch requests
    runs: dict = field(default_factory=dict)  # provider → (status, counts, seconds)

    def as_dict(self) -> dict:
        per_thousand = {
            provider: round(count * 1000 / self.invoices, 1) if self.invoices else None
            for provider, count in self.requests.items()
        }
        return {
            "name": self.name,
            "invoices": self.invoices,
            "requests": self.requests,
            "requests_per_1000_invoices": per_thousand,
            "throttled_429": self.throttled,
            # Requests per minute of each provider's own run: how close it came to the limits
            # (QBO 500/min and 40 /batch per minute, Xero 60/min, MYOB 8/s = 480/min).
            "requests_per_minute": {
                provider: _per_minute(count, self.runs[provider]["seconds"])
                for provider, count in self.requests.items()
            },
            "qbo_batches_per_minute": _per_minute(
                self.batches.get("quickbooks", 0), self.runs.get("quickbooks", {}).get("seconds")
            ),
            "wall_seconds": round(self.wall_seconds, 2),
            "hub_cpu_ms_per_invoice": (
                round(self.hub_cpu_seconds * 1000 / self.invoices, 3) if self.invoices else None
            ),
            "runs": self.runs,
        }


def _per_minute(count: int, seconds: float | None) -> float | None:
    return round(count * 60 / seconds, 1) if seconds else None


@contextmanager
def started(*, rate_window: float, concurrency: int = 4):
    """The sandbox server and the worker, stopped (by their own process ids) on the way out."""
    with sandbox_server(rate_window=rate_window) as (site, env, log, queue):
        worker = worker_start(env, log, queue, concurrency=concurrency)
        try:
            yield site, worker
        finally:
            stop(worker.process)


def request_mark() -> int:
    return SandboxRequest.objects.aggregate(last=Max("pk"))["last"] or 0


def _run_on_worker(worker: Worker, integrations: list[Integration], trigger: str) -> list[SyncRun]:
    from apps.sync.nightly_tasks import export_invoices_now
    from apps.sync.tasks import sync_now_task

    runs = []
    for integration in integrations:
        run = run_start(integration=integration, trigger=trigger)
        task = export_invoices_now if trigger == SyncRun.Trigger.NIGHTLY else sync_now_task
        run_send(task, run, queue=worker.queue)
        runs.append(run)
    return runs


def _wait_for(runs: list[SyncRun], timeout: float, worker: Worker) -> None:
    deadline = time.monotonic() + timeout
    pending = {run.pk for run in runs}
    while pending:
        if time.monotonic() > deadline:
            raise BenchmarkError(
                f"Runs {sorted(pending)} did not finish within {timeout:.0f} s "
                f"(the worker's and sandbox's output is in var/benchmark/{worker.queue}.log)."
            )
        time.sleep(0.25)
        finished = SyncRun.objects.filter(pk__in=pending, finished_at__isnull=False)
        pending -= set(finished.values_list("pk", flat=True))


def measure(
    name: str,
    invoices: int,
    worker: Worker,
    integrations: list[Integration],
    trigger: str,
    timeout: float,
) -> Phase:
    phase = Phase(name=name, invoices=invoices)
    mark = request_mark()
    cpu, wall = worker.cpu_seconds(), time.monotonic()
    runs = _run_on_worker(worker, integrations, trigger)
    _wait_for(runs, timeout, worker)
    phase.wall_seconds = time.monotonic() - wall
    phase.hub_cpu_seconds = worker.cpu_seconds() - cpu
    for integration, run in zip(integrations, runs, strict=True):
        run.refresh_from_db()
        company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
        answered = SandboxRequest.objects.filter(company=company, pk__gt=mark)
        phase.requests[integration.provider] = answered.count()
        # MYOB answers its rate limits with 403, not 429 (docs/myob.md, "Limits").
        throttled = 403 if integration.provider == "myob" else 429
        phase.throttled[integration.provider] = answered.filter(status=throttled).count()
        phase.batches[integration.provider] = answered.filter(path__contains="/batch").count()
        phase.runs[integration.provider] = {
            "status": run.status,
            "pushed": run.counts.get("pushed", 0),
            "failed": run.counts.get("failed", 0),
            "seconds": round((run.finished_at - run.started_at).total_seconds(), 2),
            "message": run.message,
        }
    return phase


@contextmanager
def sandbox_webhooks_off():
    """The sandboxes' apps send their webhooks to the hub at SITE_URL, which is not this run's
    server: every record the run writes would queue a delivery that fails and is retried with
    the company's later ones, and that traffic, not the hub's, would set the pace. The
    figures are the export's own requests; pulls are measured by the Sync Now phases."""
    apps = {app.pk: app.webhook_url for app in ensure_default_apps()}
    SandboxApp.objects.filter(pk__in=apps).update(webhook_url="")
    try:
        yield
    finally:
        for pk, webhook_url in apps.items():
            SandboxApp.objects.filter(pk=pk).update(webhook_url=webhook_url)


def benchmark_run(*, invoices: int, rate_window: float = 60.0, timeout: float = 3600.0) -> dict:
    """Everything the command prints, as a dict."""
    require_real_services()
    tag = uuid.uuid4().hex[:6]
    with sandbox_webhooks_off(), started(rate_window=rate_window) as (site, worker):
        rss_at_start = worker.memory_kb("VmRSS")
        organisation = Organisation.objects.create(name=f"Benchmark {tag}", **PLACE)
        integrations = [
            sandbox_integration_connect(organisation=organisation, provider=provider)
            for provider in PROVIDERS
        ]
        customer_ids = customers_create(organisation=organisation, count=invoices, tag=tag)

        def queue_invoices(first_number: int) -> None:
            sent_invoices_create(
                organisation=organisation,
                customer_ids=customer_ids,
                integrations=integrations,
                tag=tag,
                first_number=first_number,
            )

        queue_invoices(0)
        nightly = SyncRun.Trigger.NIGHTLY
        new = measure("new customers", invoices, worker, integrations, nightly, timeout)
        queue_invoices(invoices)
        existing = measure("existing customers", invoices, worker, integrations, nightly, timeout)
        sync_now = SyncRun.Trigger.SYNC_NOW
        first = measure("first Sync Now", 2 * invoices, worker, integrations, sync_now, timeout)
        again = measure("no-change Sync Now", 2 * invoices, worker, integrations, sync_now, timeout)
        started_at = timezone.now()
        tally = {
            integration.provider: sandbox_tally(integration=integration, tag=tag)
            for integration in integrations
        }
        return {
            "invoices": invoices,
            "rate_window_seconds": rate_window,
            "sandbox_url": site,
            "phases": [phase.as_dict() for phase in (new, existing, first, again)],
            "no_change_sync_requests": again.requests,
            "hub_cpu_ms_per_invoice": round(
                (new.hub_cpu_seconds + existing.hub_cpu_seconds) * 1000 / (2 * invoices), 3
            ),
            "export_wall_seconds": round(new.wall_seconds + existing.wall_seconds, 2),
            "worker_rss_kb_at_start": rss_at_start,
            "worker_peak_rss_kb": worker.memory_kb("VmHWM"),
            "sandbox": tally,
            "measured_at": started_at.isoformat(),
        }
