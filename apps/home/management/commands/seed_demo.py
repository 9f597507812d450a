from __future__ import annotations

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand

from apps.accounts.models import Organisation
from apps.home import demo, demo_australia
from apps.home.demo_credits import credit_note_and_refund


class Command(BaseCommand):
    help = (
        "Load the demo organisations, their staff logins and a few months of customers, quotes, "
        "invoices, payments and timesheets: Harbour Plumbing & Electrical (US/USD) and "
        "Coastline Plumbing & Electrical (AU/AUD, GST), the latter connected to a sandbox "
        "company of every registered ledger when the sandbox is on. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-ledgers",
            action="store_true",
            help="do not connect the Australian demo to the sandbox ledgers",
        )

    def handle(self, *args, **options) -> None:
        for seed in (demo.seed, demo_australia.seed):
            result = seed()
            organisation = result["organisation"]
            self.stdout.write(self.style.SUCCESS(f"Demo data ready for {organisation}."))
            self.stdout.write(
                f"Log in at /login/ as username “{result['username']}”, "
                f"password “{result['password']}”."
            )
        # The sandbox is a development tool the product never imports: its command is called
        # by name, and only when it is installed (docs/documents.md, "Demo data").
        sandbox = not options["without_ledgers"] and apps.is_installed("apps.sandbox")
        if sandbox:
            # Its ledgers take Stripe payouts into the sample charts' Stripe accounts.
            call_command(
                "sandbox_connect_ledgers",
                demo_australia.ORGANISATION,
                "--payouts",
                stdout=self.stdout,
            )
            # The US demo connects its ledgers by hand; like the Australian one it gets a Stripe
            # sandbox account for payouts (docs/payouts.md).
            call_command("sandbox_connect_stripe", demo.ORGANISATION, stdout=self.stdout)
        # After the ledgers are connected, so they are queued to each like staff's own.
        for seed in (demo, demo_australia):
            organisation = Organisation.objects.get(name=seed.ORGANISATION)
            note = credit_note_and_refund(organisation)
            if note is not None:
                invoice = note.invoice.number
                self.stdout.write(
                    f"{organisation}: credit note {note.number} and a refund on {invoice}."
                )
        if sandbox:
            # Stripe pays the card payments out; its signed webhook reaches the hub once the
            # web process serves, and the payout goes to the ledgers with payouts on.
            for name in (demo.ORGANISATION, demo_australia.ORGANISATION):
                call_command("sandbox_connect_stripe", name, "--pay-out", stdout=self.stdout)
