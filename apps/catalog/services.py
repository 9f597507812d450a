"""Service items: what the business sells, with a default price."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.common.bounds import fits, limit_of, too_large_message
from apps.common.changes import record_change

from .models import ServiceItem

EDITABLE_FIELDS = ("name", "description", "unit_price", "taxable", "active")


def _validate(item: ServiceItem) -> None:
    errors: dict[str, str] = {}
    item.name = (item.name or "").strip()
    if not item.name:
        errors["name"] = "Enter a name."
    elif (
        ServiceItem.objects.filter(organisation_id=item.organisation_id, name__iexact=item.name)
        .exclude(pk=item.pk)
        .exists()
    ):
        errors["name"] = f"There is already a service item called “{item.name}”."
    try:
        item.unit_price = Decimal(str(item.unit_price))
        if item.unit_price < 0:
            errors["unit_price"] = "The unit price cannot be negative."
        elif not fits(item.unit_price, limit_of(ServiceItem, "unit_price")):
            errors["unit_price"] = too_large_message(limit_of(ServiceItem, "unit_price"))
    except (InvalidOperation, ValueError):
        errors["unit_price"] = "Enter the unit price as a number, e.g. 95.00."
    if errors:
        raise ValidationError(errors)


def _save_and_record(item: ServiceItem) -> ServiceItem:
    with transaction.atomic():
        _validate(item)  # inside: the name check and the save see the same rows
        item.save()
        record_change(organisation_id=item.organisation_id, kind="item", object_id=item.pk)
    return item


def service_item_create(*, organisation, **values: Any) -> ServiceItem:
    return _save_and_record(ServiceItem(organisation=organisation, **_only_editable(values)))


def service_item_update(*, item: ServiceItem, **values: Any) -> ServiceItem:
    for name, value in _only_editable(values).items():
        setattr(item, name, value)
    return _save_and_record(item)


def _only_editable(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not service item fields: {', '.join(sorted(unknown))}")
    return values
