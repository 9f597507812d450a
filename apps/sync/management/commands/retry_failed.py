"""``manage.py retry_failed [--integration ID]``: send parked records again, now.

Exit status: 0 all sent, 1 some still failed, 2 usage (unknown integration).
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from apps.sync.reporting import integration_argument, run_has_problems, run_summary_lines
from apps.sync.services import retry_failed


class Command(BaseCommand):
    help = "Retry every failed (parked) record now, for one integration or all of them."

    def add_arguments(self, parser):
        parser.add_argument("--integration", type=int, metavar="ID", help="only this integration")

    def handle(self, *args, integration: int | None = None, **options):
        row = None if integration is None else integration_argument(integration)
        runs = retry_failed(integration=row)
        if not runs:
            self.stdout.write("Nothing to retry.")
        for run in runs:
            self.stdout.write("\n".join(run_summary_lines(run)))
        if any(run_has_problems(run) for run in runs):
            sys.exit(1)
