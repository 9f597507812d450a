"""Organisation-wide services: document numbers and the organisation's settings."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model

from .models import NumberSequence, Organisation, validate_time_zone


def number_allocate(*, organisation: Organisation, prefix: str, model: type[Model]) -> str:
    """The next free number for ``prefix`` in the organisation, e.g. INV-0001.

    The sequence row is locked until the caller's transaction ends, so two documents created at
    once never share a number (and a rolled-back document gives its number back). Numbers
    already taken, e.g. by documents pulled from an integration, are skipped."""
    with transaction.atomic():
        sequence = _locked_sequence(organisation, prefix)
        while True:
            sequence.last_value += 1
            number = f"{prefix}-{sequence.last_value:04d}"
            if not model.objects.filter(organisation=organisation, number=number).exists():
                break
        sequence.save(update_fields=["last_value"])
    return number


def _locked_sequence(organisation: Organisation, prefix: str) -> NumberSequence:
    queryset = NumberSequence.objects.select_for_update()
    try:
        return queryset.get(organisation=organisation, prefix=prefix)
    except NumberSequence.DoesNotExist:
        pass
    try:
        # Savepoint: a concurrent first allocation may create the row between our get and create.
        with transaction.atomic():
            return NumberSequence.objects.create(organisation=organisation, prefix=prefix)
    except IntegrityError:
        return queryset.get(organisation=organisation, prefix=prefix)


def organisation_settings_update(
    *, organisation: Organisation, default_tax_rate, time_zone: str | None = None
) -> Organisation:
    """The rate new quotes and invoices start with (documents already made keep theirs) and the
    time zone the organisation's pages, Sync Log and nightly export run in."""
    try:
        rate = Decimal(str(default_tax_rate))
    except (InvalidOperation, ValueError):
        rate = None
    if rate is None or not rate.is_finite() or not Decimal("0") <= rate <= Decimal("100"):
        raise ValidationError({"default_tax_rate": "The tax rate must be between 0 and 100."})
    organisation.default_tax_rate = rate
    fields = ["default_tax_rate"]
    if time_zone:
        try:
            validate_time_zone(time_zone)
        except ValidationError as exc:
            raise ValidationError({"time_zone": exc.messages}) from exc
        organisation.time_zone = time_zone
        fields.append("time_zone")
    organisation.save(update_fields=fields)
    return organisation
