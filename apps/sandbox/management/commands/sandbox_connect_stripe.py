from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Organisation
from apps.common.money import from_minor_units
from apps.sandbox.stripe.connect import pay_out_once, stripe_sandbox_connect


class Command(BaseCommand):
    help = "Connect an organisation to a Stripe sandbox account for payouts. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="the organisation's name")
        parser.add_argument(
            "--pay-out",
            action="store_true",
            help="pay the card payments' balance out once, if the account never paid out",
        )

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation named {options['organisation']!r}.")
        account, company = stripe_sandbox_connect(organisation)
        self.stdout.write(f"{organisation.name}: Stripe → {account.account_id}")
        if options["pay_out"]:
            payout = pay_out_once(company)
            if payout is not None:
                amount = from_minor_units(payout.data["amount"])
                self.stdout.write(
                    f"{organisation.name}: Stripe payout {payout.record_id} of {amount} "
                    f"{company.currency} paid; the hub records it when its webhook arrives."
                )
