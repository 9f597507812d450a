from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.home.demo import seed


class Command(BaseCommand):
    help = (
        "Load the demo organisation (Harbour Plumbing & Electrical, US/USD), its staff login and "
        "a few months of customers, quotes, invoices, payments and timesheets. Safe to run again."
    )

    def handle(self, *args, **options) -> None:
        result = seed()
        organisation = result["organisation"]
        self.stdout.write(self.style.SUCCESS(f"Demo data ready for {organisation}."))
        self.stdout.write(
            f"Log in at /login/ as username “{result['username']}”, "
            f"password “{result['password']}”."
        )
