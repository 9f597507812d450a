"""``manage.py sync_status [--json]``: per integration, connected, enabled, last run and outcome,
records waiting and failed, watermark, token expiry. Exit status 1 when any record failed."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from apps.sync.services import sync_status

COLUMNS = (
    "id",
    "provider",
    "company",
    "status",
    "enabled",
    "waiting",
    "failed",
    "last_run",
    "last_outcome",
    "last_pull",
    "token_expires",
)


class Command(BaseCommand):
    help = "Show each integration's sync state (connected, enabled, last run, waiting, failed)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON for machines")

    def handle(self, *args, json: bool = False, **options):
        rows = sync_status()
        if json:
            self.stdout.write(_dumps(rows))
        else:
            self._table(rows)
        if any(row["failed"] for row in rows):
            sys.exit(1)

    def _table(self, rows: list[dict]) -> None:
        if not rows:
            self.stdout.write("No integrations.")
            return
        cells = [[str(row[c] if row[c] is not None else "—") for c in COLUMNS] for row in rows]
        widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(COLUMNS)]
        self.stdout.write("  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)))
        for row in cells:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def _dumps(rows: list[dict]) -> str:
    return json.dumps(rows, indent=2)
