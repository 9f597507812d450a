"""Organisation-wide services: document numbers."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Model

from .models import NumberSequence, Organisation


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
