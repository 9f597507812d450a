from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Organisation
from apps.sandbox.demo_ledgers import ledgers_connect, stripe_payouts_on
from apps.sandbox.stripe.connect import stripe_sandbox_connect


class Command(BaseCommand):
    help = (
        "Connect an organisation to a sandbox company of its country for every registered "
        "ledger (QuickBooks Online, Xero, and any provider registered later), and to a Stripe "
        "sandbox account for payouts. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="the organisation's name")
        parser.add_argument(
            "--payouts",
            action="store_true",
            help="map the Stripe accounts of each ledger left unmapped and turn payouts on",
        )

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation named {options['organisation']!r}.")
        for integration in ledgers_connect(organisation):
            if options["payouts"]:
                integration = stripe_payouts_on(integration)
            self.stdout.write(
                f"{organisation.name}: {integration.provider} → "
                f"{integration.remote_company_name} ({integration.country}, "
                f"{integration.currency}, {integration.status})"
            )
        stripe_account, _ = stripe_sandbox_connect(organisation)
        self.stdout.write(f"{organisation.name}: Stripe → {stripe_account.account_id}")
