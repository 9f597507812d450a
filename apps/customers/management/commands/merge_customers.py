from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.customers.merging import customer_merge
from apps.customers.models import Customer

USAGE = 2


class Command(BaseCommand):
    help = (
        "Merge duplicate customers into the one to keep: their quotes, invoices, payments, time "
        "entries and sync links move to KEEP. Exit status 0 when merged, 2 for bad ids or a "
        "merge that is not allowed (nothing is changed then)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("keep", type=int, help="id of the customer to keep")
        parser.add_argument(
            "duplicates",
            type=int,
            nargs="+",
            metavar="DUPLICATE",
            help="ids of the customers to fold into KEEP",
        )

    def handle(self, *args, keep: int, duplicates: list[int], **options) -> None:
        wanted = {keep, *duplicates}
        found = Customer.objects.select_related("organisation").in_bulk(wanted)
        missing = sorted(wanted - set(found))
        if missing:
            raise CommandError(
                f"No customer with id {', '.join(map(str, missing))}.", returncode=USAGE
            )
        try:
            history = customer_merge(keep=found[keep], duplicates=[found[pk] for pk in duplicates])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=USAGE) from exc
        for merge in history:
            moved = ", ".join(f"{count} {what}" for what, count in merge.moved.items())
            self.stdout.write(
                f"Merged “{merge.duplicate_display_name}” into “{merge.kept}” ({moved})."
            )
