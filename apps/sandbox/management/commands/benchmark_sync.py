"""``manage.py benchmark_sync --invoices N [--json]`` (the nightly export) and
``manage.py benchmark_sync --mode events [--quick]`` (sends as staff make them, webhooks on): see
apps.sandbox.tools.benchmark and apps.sandbox.tools.event_bench.

Starts its own sandbox server (gunicorn on a free 127.0.0.1 port) and Celery worker, on the
PostgreSQL database and Redis of DATABASE_URL / REDIS_URL. Exit status: 0 every record landed
exactly once, 1 some record failed, is missing or is duplicated, 2 usage.
"""

from __future__ import annotations

import json
import sys
from dataclasses import fields

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.tools.benchmark import benchmark_run
from apps.sandbox.tools.event_bench import Sizes, events_run
from apps.sandbox.tools.event_report import events_all_landed, events_report_lines
from apps.sandbox.tools.processes import BenchmarkError

SIZES = [size for size in fields(Sizes) if size.name != "timeout"]
LABELS = {"quickbooks": "QuickBooks", "xero": "Xero", "myob": "MYOB"}


class Command(BaseCommand):
    help = (
        "Export N sent invoices with new customers, then N more for the same customers, to one "
        "QuickBooks company, one Xero tenant and one MYOB company file of the sandbox (an "
        "Australian organisation), then Sync Now twice; print API "
        "requests, hub CPU, wall time, peak memory, duplicates and gaps. Needs PostgreSQL and "
        "Redis; starts its own sandbox server and worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--mode",
            choices=["nightly", "events"],
            default="nightly",
            help="nightly: the export of --invoices N; events: sends one by one, a burst, many "
            "organisations, with webhooks on and a prefork worker",
        )
        parser.add_argument("--invoices", type=int, metavar="N", help="nightly mode: N invoices")
        events = parser.add_argument_group("events mode (defaults: the figures of the README)")
        for size in SIZES:
            events.add_argument(
                f"--{size.name.replace('_', '-')}",
                type=int,
                default=None,
                metavar="N",
                help=f"default {size.default}",
            )
        events.add_argument("--quick", action="store_true", help="tiny sizes, for a test")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument(
            "--rate-window",
            type=float,
            default=60.0,
            metavar="SECONDS",
            help="length of the sandbox's rate-limit minute (default 60: the real limits)",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            metavar="SECONDS",
            help="nightly: per phase (default 3600); events: per scenario (default 1800)",
        )

    def handle(self, *args, mode, invoices, json, rate_window, timeout, quick, **options):
        if mode == "events":
            options["timeout"] = timeout
            return self._events(options, quick=quick, as_json=json, rate_window=rate_window)
        if invoices is None or invoices < 1:
            raise CommandError("--invoices must be at least 1.", returncode=2)
        try:
            figures = benchmark_run(
                invoices=invoices, rate_window=rate_window, timeout=timeout or 3600.0
            )
        except BenchmarkError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(_dumps(figures) if json else "\n".join(report_lines(figures)))
        if not all_landed(figures):
            sys.exit(1)

    def _events(self, options: dict, *, quick: bool, as_json: bool, rate_window: float) -> None:
        sizes = Sizes.quick() if quick else Sizes()
        for size in fields(Sizes):
            if options.get(size.name) is not None:
                setattr(sizes, size.name, options[size.name])
        if min(sizes.sends, sizes.burst, sizes.organisations, sizes.per_organisation) < 1:
            raise CommandError("Every size must be at least 1.", returncode=2)
        if sizes.processes not in (1, 2) or 2 * sizes.edits > sizes.sends:
            raise CommandError(
                "--processes is 1 or 2, and --edits at most half of --sends.", returncode=2
            )
        try:
            figures = events_run(sizes, rate_window=rate_window)
        except BenchmarkError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(_dumps(figures) if as_json else "\n".join(events_report_lines(figures)))
        if not events_all_landed(figures):
            sys.exit(1)


def all_landed(figures: dict) -> bool:
    tallies = figures["sandbox"].values()
    clean = all(
        not (t["invoice_duplicates"] or t["invoices_missing"])
        and not (t["customer_duplicates"] or t["customers_missing"])
        for t in tallies
    )
    failed = any(run["failed"] for phase in figures["phases"] for run in phase["runs"].values())
    return clean and not failed


def _per_provider(values: dict, unit: str = "") -> str:
    return ", ".join(f"{LABELS[p]} {v}{unit}" for p, v in values.items())


def report_lines(figures: dict) -> list[str]:
    new, existing, first, again = figures["phases"]
    lines = [
        f"Invoices: {figures['invoices']} with new customers, then {figures['invoices']} more "
        "for the same customers, to one QuickBooks company, one Xero tenant and one MYOB "
        "company file "
        f"(rate-limit window {figures['rate_window_seconds']:g} s).",
        "API requests per 1,000 invoices:",
        f"  new customers:      {_per_provider(new['requests_per_1000_invoices'])}",
        f"  existing customers: {_per_provider(existing['requests_per_1000_invoices'])}",
        f"Requests of the first Sync Now after the export: {_per_provider(first['requests'])}",
        f"Requests of the no-change Sync Now: {_per_provider(again['requests'])}",
        f"Requests refused as throttled (429; MYOB's 403): "
        f"{_per_provider(_sum_throttled(figures))}",
        f"Request rate while exporting for new customers (per minute): "
        f"{_per_provider(new['requests_per_minute'])}; QuickBooks /batch "
        f"{new['qbo_batches_per_minute']} (limits: QuickBooks 500 and 40 /batch, Xero 60, "
        "MYOB 480: 8 a second)",
        f"Hub CPU per exported invoice: {figures['hub_cpu_ms_per_invoice']} ms",
        f"Wall seconds: export {figures['export_wall_seconds']} "
        f"(new {new['wall_seconds']}, existing {existing['wall_seconds']}), "
        f"no-change Sync Now {again['wall_seconds']}",
        f"Peak RSS of the worker: {figures['worker_peak_rss_kb'] / 1024:.1f} MB "
        f"(at start {figures['worker_rss_kb_at_start'] / 1024:.1f} MB)",
    ]
    for provider, tally in figures["sandbox"].items():
        lines.append(
            f"{LABELS[provider]} sandbox: invoices {tally['invoices_found']} found, "
            f"{tally['invoice_duplicates']} duplicates, {tally['invoices_missing']} missing; "
            f"customers {tally['customers_found']} found, {tally['customer_duplicates']} "
            f"duplicates, {tally['customers_missing']} missing"
        )
    return lines


def _sum_throttled(figures: dict) -> dict:
    total: dict = {}
    for phase in figures["phases"]:
        for provider, count in phase["throttled_429"].items():
            total[provider] = total.get(provider, 0) + count
    return total


def _dumps(value) -> str:
    return json.dumps(value, indent=2, default=str)
