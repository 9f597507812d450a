"""Merging duplicate customers into one (docs/sync-rules.md, "Matching and duplicates").

Everything that points at a duplicate moves to the customer kept: quotes, invoices, payments
(through their services), time entries and sync links (their apps are asked through
``signals``). The duplicate stays in the database, marked ``merged_into``, so links and
history that name it still resolve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.common.changes import record_change
from apps.invoices.models import Invoice, Payment
from apps.invoices.services import invoices_customer_move
from apps.quotes.models import Quote
from apps.quotes.services import quotes_customer_move

from .models import Customer, CustomerMerge
from .services import EDITABLE_FIELDS, _store_keys
from .signals import counts_of, customer_merge_counted, customer_merging

# Contact details the kept customer takes from a duplicate when it has none of its own.
FILLABLE_FIELDS = tuple(
    name
    for name in EDITABLE_FIELDS
    if name in ("email", "phone", "company_name") or name.startswith("billing_")
)


@dataclass
class MergePreview:
    """What a merge would move, per duplicate, shown before staff confirm."""

    keep: Customer
    duplicates: list[Customer]
    quotes: int = 0
    invoices: int = 0
    payments: int = 0
    time_entries: int = 0
    links: int = 0
    review_requests: int = 0
    filled: dict[str, str] = field(default_factory=dict)

    @property
    def filled_labels(self) -> dict[str, str]:
        """``filled`` keyed by what the form calls each field (e.g. "city")."""
        return {
            str(Customer._meta.get_field(name).verbose_name).capitalize(): value
            for name, value in self.filled.items()
        }


def _validate(keep: Customer, duplicates: Sequence[Customer]) -> None:
    if not duplicates:
        raise ValidationError("Choose at least one duplicate to merge.")
    if any(d.pk == keep.pk for d in duplicates):
        raise ValidationError("A customer cannot be merged into itself.")
    if any(d.organisation_id != keep.organisation_id for d in duplicates):
        raise ValidationError("Customers of different organisations cannot be merged.")
    if keep.merged_into_id:
        raise ValidationError(f"{keep} was already merged into {keep.merged_into}; keep that one.")
    already = [str(d) for d in duplicates if d.merged_into_id]
    if already:
        raise ValidationError(f"Already merged: {', '.join(already)}.")


def _filled_values(keep: Customer, duplicates: Sequence[Customer]) -> dict[str, str]:
    filled: dict[str, str] = {}
    for name in FILLABLE_FIELDS:
        if getattr(keep, name):
            continue
        value = next((getattr(d, name) for d in duplicates if getattr(d, name)), "")
        if value:
            filled[name] = value
    return filled


def merge_preview(*, keep: Customer, duplicates: Sequence[Customer]) -> MergePreview:
    _validate(keep, duplicates)
    ids = [d.pk for d in duplicates]
    return MergePreview(
        keep=keep,
        duplicates=list(duplicates),
        quotes=Quote.objects.filter(customer_id__in=ids).count(),
        invoices=Invoice.objects.filter(customer_id__in=ids).count(),
        payments=Payment.objects.filter(customer_id__in=ids).count(),
        **counts_of(customer_merge_counted.send(sender=Customer, duplicate_ids=ids)),
        filled=_filled_values(keep, duplicates),
    )


def _merge_one(keep: Customer, duplicate: Customer, by) -> CustomerMerge:
    moved = {
        "quotes": quotes_customer_move(duplicate=duplicate, keep=keep),
        **invoices_customer_move(duplicate=duplicate, keep=keep),
        **counts_of(customer_merging.send(sender=Customer, keep=keep, duplicate=duplicate)),
    }
    Customer.objects.filter(merged_into=duplicate).update(merged_into=keep)
    duplicate.merged_into = keep
    duplicate.save(update_fields=["merged_into", "updated_at"])
    return CustomerMerge.objects.create(
        organisation_id=keep.organisation_id,
        kept=keep,
        duplicate=duplicate,
        duplicate_display_name=duplicate.display_name,
        merged_by=by,
        moved=moved,
    )


def customer_merge(
    *, keep: Customer, duplicates: Sequence[Customer], by=None
) -> list[CustomerMerge]:
    """Fold ``duplicates`` into ``keep`` in one transaction; returns the history rows."""
    _validate(keep, duplicates)
    with transaction.atomic():
        keep = Customer.objects.select_for_update().get(pk=keep.pk)
        duplicates = list(
            Customer.objects.select_for_update().filter(pk__in=[d.pk for d in duplicates])
        )
        _validate(keep, duplicates)  # again, on the locked rows
        for name, value in _filled_values(keep, duplicates).items():
            setattr(keep, name, value)
        _store_keys(keep)
        keep.save()
        history = [_merge_one(keep, duplicate, by) for duplicate in duplicates]
        _record_moves(keep, duplicates)
    return history


def _record_moves(keep: Customer, duplicates: Sequence[Customer]) -> None:
    """The kept customer and the documents now under it go out again, so each integration's
    copy names the right customer (the duplicates' own waiting pushes were dropped by the
    engine as their links moved)."""
    org = keep.organisation_id
    record_change(organisation_id=org, kind="customer", object_id=keep.pk)
    for kind, model in (("quote", Quote), ("invoice", Invoice)):
        for pk in model.objects.filter(customer=keep).values_list("pk", flat=True):
            record_change(organisation_id=org, kind=kind, object_id=pk)
