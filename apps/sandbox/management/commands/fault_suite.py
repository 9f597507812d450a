"""``manage.py fault_suite [--invoices N] [--fault NAME ...] [--short]``: see
apps.sandbox.tools.fault_suite.

Starts its own sandbox server (gunicorn on a free 127.0.0.1 port) and Celery workers, on the
PostgreSQL database and Redis of DATABASE_URL / REDIS_URL. Prints one row per fault:
duplicates | missing | runs left open | failed left. Exit status: 0 every row reads 0, 1 some
row does not, 2 usage.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.tools.fault_checks import table
from apps.sandbox.tools.fault_suite import FAULTS, SHORT, fault_suite_run
from apps.sandbox.tools.processes import BenchmarkError


class Command(BaseCommand):
    help = (
        "Kill workers (between export pages, after a batch was sent, during pushes and pulls), "
        "empty Redis, kill PostgreSQL connections, storm the providers with 429/5xx/time-outs "
        "and run two workers at once; after each, check the hub and both ledgers for "
        "duplicates and gaps. Needs PostgreSQL and Redis (a Redis database of its own)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--invoices", type=int, default=1000, metavar="N")
        parser.add_argument(
            "--fault",
            action="append",
            choices=FAULTS,
            metavar="NAME",
            help=f"only this fault (repeatable); one of: {'; '.join(FAULTS)}",
        )
        parser.add_argument("--short", action="store_true", help="only the fault CI runs")
        parser.add_argument(
            "--claim-timeout",
            type=int,
            default=60,
            metavar="SECONDS",
            help="after this long without a heartbeat a worker counts as dead (default 60)",
        )
        parser.add_argument("--page-size", type=int, default=50, metavar="N")

    def handle(self, *args, invoices, fault, short, claim_timeout, page_size, **options):
        if invoices < 1 or claim_timeout < 1 or page_size < 1:
            raise CommandError("--invoices, --claim-timeout and --page-size must be positive.")
        faults = fault or (SHORT if short else FAULTS)
        self.stdout.write(
            f"{len(faults)} faults, {invoices} invoices each, in QuickBooks, Xero and MYOB."
        )
        try:
            rows = fault_suite_run(
                invoices=invoices,
                faults=faults,
                claim_timeout=claim_timeout,
                page_size=page_size,
                report=lambda row: self.stdout.write(
                    f"  done: {row.fault} ({'ok' if row.ok else 'NOT OK'}, {row.seconds:.0f} s)"
                ),
            )
        except BenchmarkError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write("\n".join(table(rows)))
        if not all(row.ok for row in rows):
            sys.exit(1)
