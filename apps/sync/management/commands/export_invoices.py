"""``manage.py export_invoices [--integration ID] [--json]``: run the nightly invoice export now.

Exit status: 0 every waiting invoice was exported (or deliberately held back), 1 some records
failed or wait for a retry, 2 usage (an unknown or disconnected integration): nothing changed.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from apps.integrations.models import Integration
from apps.sync.models import SyncRun
from apps.sync.nightly_export import nightly_export_run


class Command(BaseCommand):
    help = (
        "Export waiting invoices through the provider's batch API now, as the nightly export "
        "does. Without --integration: every connected integration whose invoice export is "
        "nightly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--integration", type=int, metavar="ID", help="only this integration")
        parser.add_argument("--json", action="store_true", help="print the runs as JSON")

    def handle(self, *args, integration=None, json=False, **options):
        targets = self._targets(integration)
        runs = [nightly_export_run(integration=target) for target in targets]
        if json:
            self.stdout.write(_dumps([_summary(run) for run in runs]))
        else:
            self._print(runs)
        if any(_problems(run) for run in runs):
            sys.exit(1)

    def _targets(self, integration_id: int | None) -> list[Integration]:
        rows = Integration.objects.select_related("organisation")
        if integration_id is None:
            return list(
                rows.filter(
                    invoice_export_timing=Integration.ExportTiming.NIGHTLY,
                    status=Integration.Status.CONNECTED,
                )
            )
        integration = rows.filter(pk=integration_id).first()
        if integration is None:
            raise CommandError(f"No integration with id {integration_id}.", returncode=2)
        if not integration.is_connected:
            raise CommandError(
                f"{integration} is {integration.get_status_display().lower()}: "
                "reconnect it before exporting.",
                returncode=2,
            )
        return [integration]

    def _print(self, runs: list[SyncRun]) -> None:
        if not runs:
            self.stdout.write("No connected integration exports invoices nightly.")
        for run in runs:
            counts = run.counts
            line = (
                f"{run.integration}: {run.get_status_display()}: "
                f"{counts.get('pushed', 0)} exported, {counts.get('held_back', 0)} held back, "
                f"{counts.get('skipped', 0)} unchanged, {counts.get('failed', 0)} failed, "
                f"{counts.get('retrying', 0)} to retry."
            )
            self.stdout.write(line)
            for failure in counts.get("failures", []):
                self.stdout.write(f"  {failure}")
            if run.message:
                self.stdout.write(f"  {run.message}")


def _problems(run: SyncRun) -> bool:
    return (
        run.status == SyncRun.Status.FAILED
        or run.counts.get("failed", 0) > 0
        or run.counts.get("retrying", 0) > 0
    )


def _summary(run: SyncRun) -> dict:
    return {
        "integration": run.integration_id,
        "provider": run.integration.provider,
        "run": run.pk,
        "status": run.status,
        "counts": run.counts,
        "message": run.message,
    }


def _dumps(value) -> str:
    return json.dumps(value, indent=2, default=str)
