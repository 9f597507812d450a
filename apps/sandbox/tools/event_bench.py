"""``manage.py benchmark_sync --mode events``: invoices sent one by one as staff send them, with
the processes of the Procfile and the sandboxes' webhooks on.

Processes: gunicorn serves the app and both sandboxes on a free 127.0.0.1 port, and the sandbox
apps' webhooks point at it, so every write in a ledger (the hub's own included) comes back as a
notification, as in production; the Procfile's worker (``celery -A config worker``, prefork
pool) with 1 or 2 processes does all hub work on a queue of this run. This process plays the
users: staff sending through the invoice services, ledger users editing through the
sandboxes' API. Beat's outbox sweep is sent every minute, as beat would; the periodic pull is
not (webhooks are on). Each scenario gets organisations of its own, connected to new sandbox
companies that start with no customers or invoices and are pulled once before it starts.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.models import SandboxApp

from .benchmark import request_mark
from .event_hub import (
    ORGANISATION_PREFIX,
    PROVIDERS,
    LedgerUser,
    Sent,
    Tenant,
    earlier_runs_switched_off,
    send_with_new_customer,
    sends_in_thread,
    tenant_create,
)
from .event_ledgers import (
    Arrivals,
    edit_arrival,
    p95,
    requests_since,
    settle,
    tally,
)
from .processes import (
    Worker,
    machine_busy_percent,
    machine_ticks,
    pool_pids,
    require_real_services,
    sandbox_server,
    stop,
    worker_start,
)

SWEEP_EVERY = 60.0


@dataclass
class Sizes:
    sends: int = 50
    edits: int = 20
    burst: int = 500
    organisations: int = 20
    per_organisation: int = 100
    processes: int = 2
    timeout: float = 1800.0  # per scenario: what has not arrived by then counts as missing

    @classmethod
    def quick(cls) -> Sizes:
        return cls(sends=2, edits=1, burst=3, organisations=2, per_organisation=2, timeout=90)


@dataclass
class Lab:
    site: str
    env: dict
    log: object
    queue: str
    worker: Worker | None = None
    processes: int = 0
    last_sweep: float = 0.0
    tenants: list[Tenant] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def note(self, what: str) -> None:
        """Progress on stderr: a long run says where it is."""
        print(f"[{time.monotonic() - self.started:7.1f} s] {what}", file=sys.stderr, flush=True)

    def start_worker(self, processes: int) -> Worker:
        self.stop_worker()
        self.processes = processes
        self.worker = worker_start(
            self.env, self.log, self.queue, concurrency=processes, pool="prefork",
            name=f"-p{processes}-{uuid.uuid4().hex[:4]}",
        )  # fmt: skip
        return self.worker

    def stop_worker(self) -> None:
        """The worker, then any pool process it left behind (by their own ids)."""
        if self.worker is None:
            return
        pool = pool_pids(self.worker.process.pid)
        # Cold shutdown: whatever still runs is left in the run's own queue, never read again.
        self.worker.process.send_signal(signal.SIGQUIT)
        stop(self.worker.process)
        for pid in pool:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.worker = None

    def tick(self) -> None:
        """What beat would send meanwhile: the outbox sweep, once a minute."""
        if time.monotonic() - self.last_sweep >= SWEEP_EVERY:
            from apps.sync.tasks import SWEEP_TASK
            from config.celery import app

            app.send_task(SWEEP_TASK, queue=self.queue)
            self.last_sweep = time.monotonic()

    def tenants_ready(self, sizes: Sizes) -> dict[str, list[Tenant]]:
        """Every scenario's new connected organisations, pulled once (as connecting does) and
        settled before the first scenario starts."""
        from apps.sync.tasks import PULL_TASK
        from config.celery import app

        closed = earlier_runs_switched_off()
        if closed:
            self.note(f"{closed} rows an earlier run left waiting closed, its sync switched off")
        tag = uuid.uuid4().hex[:6]
        counts = {"sends": 1, "burst": 1, "fair1": sizes.organisations}
        counts["fair2"] = sizes.organisations
        groups = {
            label: [
                tenant_create(f"{ORGANISATION_PREFIX}{label} {tag} {k:02d}") for k in range(count)
            ]
            for label, count in counts.items()
        }
        self.tenants = [tenant for group in groups.values() for tenant in group]
        for integration in (i for t in self.tenants for i in t.integrations):
            app.send_task(PULL_TASK, (integration.pk,), queue=self.queue)
        _first_pulls_done(self.tenants, sizes.timeout, self.tick)
        settle(self.tenants, sizes.timeout, self.tick)
        return groups


def _first_pulls_done(tenants: list[Tenant], timeout: float, tick) -> None:
    """Until every integration's first pull has ended. Settling alone can return while a pull
    still waits in the queue (nothing open, nothing asked yet), and the requests of that pull
    were then counted as the first scenario's."""
    from apps.sync.models import SyncState

    integrations = [i.pk for t in tenants for i in t.integrations]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ended = SyncState.objects.filter(
            integration_id__in=integrations, last_pull_at__isnull=False, pull_token=""
        ).count()
        if ended >= len(integrations):
            return
        tick()
        time.sleep(0.2)


@contextmanager
def webhooks_to(site: str):
    """The sandbox apps notify this run's server, and are put back as they were afterwards."""
    apps = {app.pk: app.webhook_url for app in ensure_default_apps()}
    for app in SandboxApp.objects.filter(pk__in=apps):
        SandboxApp.objects.filter(pk=app.pk).update(webhook_url=f"{site}/webhooks/{app.provider}/")
    try:
        yield
    finally:
        for pk, webhook_url in apps.items():
            SandboxApp.objects.filter(pk=pk).update(webhook_url=webhook_url)


@contextmanager
def default_queue(queue: str):
    """Tasks this process sends (the drains its sends schedule) go to the run's queue."""
    from config.celery import app

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield
    finally:
        app.conf.task_default_queue = previous


# --- the scenarios ----------------------------------------------------------------------------
def one_by_one(lab: Lab, sizes: Sizes, tenant: Tenant) -> dict:
    """Sends with a new customer each, the next once the last is in both ledgers; then edits
    in one ledger of invoices already in both, the next once the last reached the other."""
    tag, arrivals = uuid.uuid4().hex[:6], Arrivals([tenant])
    mark, cpu = request_mark(), lab.worker.cpu_seconds()
    deadline = time.monotonic() + sizes.timeout
    for n in range(sizes.sends):
        arrivals.add([send_with_new_customer(tenant.organisation, n, tag)])
        arrivals.wait(max(0.0, deadline - time.monotonic()), lab.tick)
    settle([tenant], max(30.0, deadline - time.monotonic()), lab.tick)
    figures = {
        "sends": sizes.sends,
        "hub_cpu_ms_per_invoice": _ms(lab.worker.cpu_seconds() - cpu, sizes.sends),
        "p95_seconds": {
            "both": p95(*_arrived(arrivals, None)),
            **{p: p95(*_arrived(arrivals, p)) for p in PROVIDERS},
        },
        "not_arrived": len(arrivals.pending()),
    }
    for integration in tenant.integrations:
        count, refused = requests_since(mark, integration)
        figures[integration.provider] = {
            "requests_per_invoice": round(count / sizes.sends, 2),
            "refused_429": refused,
            "drains_per_invoice": round(_drains(integration) / sizes.sends, 2),
        }
    lab.sent += arrivals.sent
    lab.note(f"{sizes.sends} sends one at a time: done")
    figures["edits"] = edits(lab, tenant, arrivals.sent, sizes)
    return figures


def edits(lab: Lab, tenant: Tenant, sent: list[Sent], sizes: Sizes) -> dict:
    """The due date of one invoice changed in one ledger, then of another in the other, in
    turn; seconds until the other ledger shows it."""
    users = {p: LedgerUser(lab.site, tenant.integration(p)) for p in PROVIDERS}
    seconds: dict[str, list[float]] = {p: [] for p in PROVIDERS}
    missed = dict.fromkeys(PROVIDERS, 0)
    per_edit = max(30.0, sizes.timeout / max(1, 2 * sizes.edits))
    for k in range(min(sizes.edits * 2, len(sent))):
        source, target = PROVIDERS[k % 2], PROVIDERS[1 - k % 2]
        due = tenant.organisation.today() + timedelta(days=45 + k)
        users[source].due_date_change(sent[k].number, due)
        edited = _edited_at(tenant.integration(source), sent[k].number)
        shown = edit_arrival(tenant.integration(target), sent[k].number, due, per_edit)
        if shown is None:
            missed[source] += 1
        else:
            seconds[source].append((shown - edited).total_seconds())
        lab.tick()
    settle([tenant], 120.0, lab.tick)
    return {
        f"{source}_to_{target}": {
            "edits": len(seconds[source]) + missed[source],
            "p95_seconds": p95(seconds[source], missed[source]),
            "not_arrived": missed[source],
        }
        for source, target in zip(PROVIDERS, reversed(PROVIDERS), strict=True)
    }


def burst(lab: Lab, sizes: Sizes, tenant: Tenant) -> dict:
    """``burst`` sends as fast as one member of staff's session can make them."""
    tag, arrivals = uuid.uuid4().hex[:6], Arrivals([tenant])
    mark, cpu, started = request_mark(), lab.worker.cpu_seconds(), time.monotonic()
    arrivals.add(sends_in_thread(tenant.organisation, 0, sizes.burst, tag, close=False))
    issued = time.monotonic() - started
    arrivals.wait(sizes.timeout, lab.tick)
    settle([tenant], 120.0, lab.tick)
    lab.sent += arrivals.sent
    figures = {
        "sends": sizes.burst,
        "issued_seconds": round(issued, 1),
        "seconds_until_all_in_both": _span(arrivals),
        "not_arrived": len(arrivals.pending()),
        "hub_cpu_ms_per_invoice": _ms(lab.worker.cpu_seconds() - cpu, sizes.burst),
    }
    for integration in tenant.integrations:
        count, refused = requests_since(mark, integration)
        figures[integration.provider] = {
            "requests_per_invoice": round(count / sizes.burst, 3),
            "refused_429": refused,
            "drains_per_invoice": round(_drains(integration) / sizes.burst, 3),
        }
    return figures


def organisations(lab: Lab, sizes: Sizes, processes: int, tenants: list[Tenant]) -> dict:
    """Each organisation's staff send their invoices at the same time as the others'."""
    if lab.processes != processes:
        lab.start_worker(processes)
    tag, arrivals = uuid.uuid4().hex[:6], Arrivals(tenants)
    cpu, started, machine = lab.worker.cpu_seconds(), time.monotonic(), machine_ticks()
    staff_send(arrivals, sizes, tenants, tag)
    issued = time.monotonic() - started  # the staff's own time, before waiting for the ledgers
    lab.note(f"organisations, {processes} worker process(es): sends issued in {issued:.1f} s")
    arrivals.wait(sizes.timeout, _progress(lab, arrivals, tenants))
    # How busy the whole machine was (both sandboxes, the database, the staff's sends and the
    # worker share it): near 100 %, a second worker process has no core to add throughput on.
    busy = machine_busy_percent(machine)
    lab.sent += arrivals.sent
    total = sizes.organisations * sizes.per_organisation
    span = _span(arrivals)
    firsts = [_first_in_both(arrivals, t) for t in tenants]
    landed = [arrivals.in_both(s) for s in arrivals.sent if arrivals.in_both(s)]
    # Invoices in both ledgers per second, from the first send to the last arrival: the same as
    # all of them over the whole span when all arrived, and still a rate when time ran out.
    first_sent = min((s.sent_at for s in arrivals.sent), default=None)
    window = (max(landed) - first_sent).total_seconds() if landed else 0.0
    return {
        "worker_processes": processes,
        "organisations": sizes.organisations,
        "per_organisation": sizes.per_organisation,
        "invoices": total,
        "issued_seconds": round(issued, 1),
        "first_invoice_in_both_max_seconds": None if None in firsts else max(firsts),
        "organisations_without_any_after_30_s": sum(1 for f in firsts if f is None or f > 30),
        "organisations_with_an_invoice_in_both": sum(1 for f in firsts if f is not None),
        "seconds_until_all_in_both": span,
        "invoices_in_both": len(landed),
        "invoices_per_second": round(len(landed) / window, 2) if window else None,
        "not_arrived": len(arrivals.pending()),
        "hub_cpu_ms_per_invoice": _ms(lab.worker.cpu_seconds() - cpu, total),
        "machine_cpu_busy_percent": busy,
    }


def staff_send(arrivals: Arrivals, sizes: Sizes, tenants: list[Tenant], tag: str) -> None:
    """Each organisation's member of staff sends ``per_organisation`` invoices, all at once."""
    with ThreadPoolExecutor(max_workers=len(tenants)) as staff:
        batches = staff.map(
            lambda t: sends_in_thread(t.organisation, 0, sizes.per_organisation, tag), tenants
        )
        for sent in batches:
            arrivals.add(sent)


def backlog(lab: Lab, sizes: Sizes, processes: int, tenants: list[Tenant]) -> dict:
    """The worker's own throughput: the organisations' staff save and send while the worker
    takes no tasks (as during a deploy or an outage), then ``processes`` worker processes take
    that backlog. With staff sending at the same time (``organisations``), both sizes of worker
    keep up with the staff once the machine has room, and both go at the staff's pace."""
    if lab.processes != processes:
        lab.start_worker(processes)
    lab.worker.consuming(False)
    tag, arrivals = uuid.uuid4().hex[:6], Arrivals(tenants)
    staff_send(arrivals, sizes, tenants, tag)
    cpu, started, machine = lab.worker.cpu_seconds(), timezone.now(), machine_ticks()
    lab.worker.consuming(True)
    lab.note(f"backlog of {len(arrivals.sent)} sends, {processes} worker process(es) taking it")
    arrivals.wait(sizes.timeout, _progress(lab, arrivals, tenants))
    busy = machine_busy_percent(machine)
    lab.sent += arrivals.sent
    landed = [arrivals.in_both(s) for s in arrivals.sent if arrivals.in_both(s)]
    seconds = (max(landed) - started).total_seconds() if landed else 0.0
    return {
        "worker_processes": processes,
        "invoices": len(arrivals.sent),
        "seconds_until_all_in_both": None if arrivals.pending() else round(seconds, 1),
        "invoices_per_second": round(len(landed) / seconds, 2) if seconds else None,
        "not_arrived": len(arrivals.pending()),
        "hub_cpu_ms_per_invoice": _ms(lab.worker.cpu_seconds() - cpu, len(arrivals.sent)),
        "machine_cpu_busy_percent": busy,
    }


def _ratio(two: dict, one: dict) -> float | None:
    if one["invoices_per_second"] and two["invoices_per_second"]:
        return round(two["invoices_per_second"] / one["invoices_per_second"], 2)
    return None


def _progress(lab: Lab, arrivals: Arrivals, tenants: list[Tenant], every: float = 30.0):
    """The sweep as beat would send it, and every ``every`` seconds a note of how far it got:
    a run that times out still says whether organisations were served in turn."""
    last = time.monotonic()

    def tick() -> None:
        nonlocal last
        lab.tick()
        if time.monotonic() - last < every:
            return
        last = time.monotonic()
        served = sum(1 for t in tenants if _first_in_both(arrivals, t) is not None)
        done = len(arrivals.sent) - len(arrivals.pending())
        lab.note(
            f"  {served} of {len(tenants)} organisations have an invoice in both ledgers; "
            f"{done} of {len(arrivals.sent)} invoices"
        )

    return tick


# --- figures ----------------------------------------------------------------------------------
def _drains(integration) -> int:
    """The event drains that sent something for the integration (each opens a Sync Log run);
    every scenario has organisations of its own."""
    return integration.runs.filter(trigger="event").count()


def _ms(cpu_seconds: float, invoices: int) -> float:
    return round(cpu_seconds * 1000 / invoices, 2) if invoices else 0.0


def _arrived(arrivals: Arrivals, provider: str | None) -> tuple[list[float], int]:
    """Seconds from send to ledger (both when ``provider`` is None), and how many never came."""
    values = [arrivals.seconds(s, provider) for s in arrivals.sent]
    return [v for v in values if v is not None], values.count(None)


def _span(arrivals: Arrivals) -> float | None:
    """From the first send to the last invoice in both ledgers; None while some are missing."""
    if arrivals.pending() or not arrivals.sent:
        return None
    first = min(s.sent_at for s in arrivals.sent)
    return round((max(arrivals.in_both(s) for s in arrivals.sent) - first).total_seconds(), 1)


def _first_in_both(arrivals: Arrivals, tenant: Tenant) -> float | None:
    mine = [s for s in arrivals.sent if s.organisation_id == tenant.organisation.pk]
    landed = [arrivals.in_both(s) for s in mine if arrivals.in_both(s)]
    if not landed:
        return None
    return round((min(landed) - min(s.sent_at for s in mine)).total_seconds(), 1)


def _edited_at(integration, number: str):
    from .event_hub import invoice_record

    return invoice_record(integration, number).updated_at


def events_run(sizes: Sizes, *, rate_window: float = 60.0) -> dict:
    """Every scenario in turn; everything the command prints, as a dict."""
    require_real_services()
    with sandbox_server(rate_window=rate_window, label="events") as (site, env, log, queue):
        lab = Lab(site=site, env=env, log=log, queue=queue)
        with webhooks_to(site), default_queue(queue):
            try:
                lab.start_worker(sizes.processes)
                lab.note(f"server on {site}, worker started")
                figures = {"sandbox_url": site, "worker_processes": sizes.processes}
                groups = lab.tenants_ready(sizes)
                lab.note(f"{len(lab.tenants)} organisations connected and pulled")
                figures["one_by_one"] = one_by_one(lab, sizes, *groups["sends"])
                lab.note(f"sends and edits one at a time: {figures['one_by_one']}")
                figures["burst"] = burst(lab, sizes, *groups["burst"])
                lab.note(f"burst: {figures['burst']}")
                # The worker already running first: one restart fewer.
                order = sorted((1, 2), key=lambda n: n != sizes.processes)
                fairness = {}
                for n in order:
                    fairness[n] = organisations(lab, sizes, n, groups[f"fair{n}"])
                    lab.note(f"organisations, {n} worker process(es): {fairness[n]}")
                figures["organisations"] = [fairness[1], fairness[2]]
                figures["staff_pace_ratio_2_to_1"] = _ratio(fairness[2], fairness[1])
                # The same organisations again, each worker size on a backlog of its own.
                drained = {n: backlog(lab, sizes, n, groups[f"fair{n}"]) for n in (1, 2)}
                for n in (1, 2):
                    lab.note(f"backlog, {n} worker process(es): {drained[n]}")
                figures["backlog"] = [drained[1], drained[2]]
                figures["throughput_ratio_2_to_1"] = _ratio(drained[2], drained[1])
                settle(lab.tenants, 120.0, lab.tick)  # late echoes could still make copies
                lab.note("settled; counting every ledger against the hub")
                figures["tally"] = tally(lab.tenants, lab.sent)
                lab.note("counted")
                return figures
            finally:
                lab.stop_worker()
