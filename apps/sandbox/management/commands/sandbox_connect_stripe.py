from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Organisation
from apps.sandbox.stripe.connect import stripe_sandbox_connect


class Command(BaseCommand):
    help = "Connect an organisation to a Stripe sandbox account for payouts. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="the organisation's name")

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation named {options['organisation']!r}.")
        account, _ = stripe_sandbox_connect(organisation)
        self.stdout.write(f"{organisation.name}: Stripe → {account.account_id}")
