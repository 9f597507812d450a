from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.credentials import credentials_issue
from apps.sandbox.models import Provider, SandboxCompany


class Command(BaseCommand):
    help = (
        "Print what a client needs to use a sandbox (client id and secret, realm or tenant id, "
        "a fresh refresh token, OAuth URLs, API base), creating the app and a company if needed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provider", required=True, choices=[p.value for p in Provider])
        parser.add_argument(
            "--company", default="", help="realm / tenant id of an existing company"
        )
        parser.add_argument("--country", default="US", help="country of a company created now")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        try:
            answer = credentials_issue(
                provider=options["provider"],
                company_id=options["company"],
                country=options["country"],
            )
        except SandboxCompany.DoesNotExist as exc:
            raise CommandError(
                f"No {options['provider']} sandbox company {options['company']}."
            ) from exc
        if options["json"]:
            self.stdout.write(json.dumps(answer, indent=2))
            return
        width = max(len(key) for key in answer)
        for key, value in answer.items():
            self.stdout.write(f"{key.ljust(width)}  {value}")
