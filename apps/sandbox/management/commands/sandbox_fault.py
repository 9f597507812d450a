from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox import control


class Command(BaseCommand):
    help = (
        "Make the next N requests to a sandbox company fail (429, 500, 503, timeout, malformed, "
        "401), expire its access tokens, or clear its faults."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="realm id (QBO) or tenant id (Xero)")
        parser.add_argument("--kind", choices=control.FAULT_KINDS)
        parser.add_argument("--count", type=int, default=1)
        parser.add_argument("--path-contains", default="")
        parser.add_argument("--expire-token", action="store_true")
        parser.add_argument("--clear", action="store_true", help="remove the company's faults")

    def handle(self, *args, **options):
        try:
            company = control.company_by_external_id(options["company"])
            if options["clear"]:
                removed = control.faults_clear(company=company)
                self.stdout.write(f"Removed {removed} fault(s) from {company.name}.")
            if options["expire_token"]:
                expired = control.token_expire(company=company)
                self.stdout.write(f"Expired {expired} access token(s) of {company.name}.")
            if options["kind"]:
                fault = control.fault_inject(
                    company=company,
                    kind=options["kind"],
                    count=options["count"],
                    path_contains=options["path_contains"],
                )
                where = (
                    f" on paths containing {fault.path_contains!r}" if fault.path_contains else ""
                )
                self.stdout.write(
                    f"The next {fault.remaining} request(s) to {company.name}{where} "
                    f"answer {fault.get_kind_display()}."
                )
        except control.ControlError as exc:
            raise CommandError(str(exc)) from exc
        if not (options["clear"] or options["expire_token"] or options["kind"]):
            raise CommandError("Give --kind, --expire-token or --clear.")
