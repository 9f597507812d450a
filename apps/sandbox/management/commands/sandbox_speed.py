"""``manage.py sandbox_speed [--rounds N] [--profile NAME ...] [--json]``: see
apps.sandbox.tools.sandbox_speed. Run it on PostgreSQL (DATABASE_URL) for figures that mean
something; it creates new sandbox companies each run."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from apps.sandbox.tools.sandbox_speed import NAMES, sandbox_speed_run


class Command(BaseCommand):
    help = "Time the sandboxes' handling of the sync's commonest requests and count their queries."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--profile", action="append", choices=NAMES, metavar="NAME")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, rounds, profile, json: bool = False, **options):
        result = sandbox_speed_run(rounds=rounds, profile=profile)
        if json:
            self.stdout.write(_dumps(result))
            return
        self.stdout.write(f"{'request':34} {'queries':>8} {'ms median':>10} {'ms max':>8}")
        for row in result["rows"]:
            self.stdout.write(
                f"{row['request']:34} {row['queries']:>8} {row['ms_median']:>10} {row['ms_max']:>8}"
            )
        for name, text in result["profiles"].items():
            self.stdout.write(f"\n== profile {name}\n{text}")


def _dumps(value) -> str:
    return json.dumps(value, indent=2)
