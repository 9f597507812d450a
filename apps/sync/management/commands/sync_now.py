"""``manage.py sync_now INTEGRATION [--dry-run]``: Sync Now for one integration, here and now.

Exit status: 0 done, 1 some records failed, 2 usage (unknown or disconnected integration).
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from apps.sync.models import SyncRun
from apps.sync.reporting import integration_argument, run_has_problems, run_summary_lines
from apps.sync.runs import run_start
from apps.sync.services import sync_run_execute


class Command(BaseCommand):
    help = (
        "Run Sync Now for one integration: retry failed records, pull what changed there, send "
        "what is in progress or changed here. --dry-run prints what would be pushed, pulled and "
        "held back (and why) without changing anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("integration", type=int, metavar="INTEGRATION", help="integration id")
        parser.add_argument("--dry-run", action="store_true", help="report only, change nothing")

    def handle(self, *args, integration: int, dry_run: bool = False, **options):
        row = integration_argument(integration, connected=True)
        run = run_start(integration=row, trigger=SyncRun.Trigger.SYNC_NOW, dry_run=dry_run)
        run = sync_run_execute(run=run)
        self.stdout.write("\n".join(run_summary_lines(run)))
        if run_has_problems(run):
            sys.exit(1)
