"""The largest number a decimal column holds, read from the model field itself, so that every
form and service refuses a number the database cannot store (see docs/documents.md, "Numbers
fit their columns"). A change of a field's digits moves every bound with it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from apps.common.documents import compute_totals


def column_limit(field: models.DecimalField) -> Decimal:
    """The largest value ``field`` stores: 9,999,999,999.99 for max_digits=12, decimal_places=2."""
    whole_digits = field.max_digits - field.decimal_places
    return Decimal(10) ** whole_digits - Decimal(1).scaleb(-field.decimal_places)


def model_field(model: type[models.Model], name: str) -> models.DecimalField:
    return model._meta.get_field(name)


def limit_of(model: type[models.Model], name: str) -> Decimal:
    return column_limit(model_field(model, name))


def too_large_message(limit: Decimal) -> str:
    return f"Enter at most {limit:,}."


def fits(value: Any, limit: Decimal) -> bool:
    """Whether ``value`` is a finite number no larger (in size) than ``limit``."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return False
    return number.is_finite() and abs(number) <= limit


class PlainDecimalField(forms.DecimalField):
    """Shows 8.875 or 10 rather than the column's padding (8.8750, 10.0000)."""

    def prepare_value(self, value):
        if isinstance(value, Decimal) and value.is_finite():
            text = f"{value.normalize():f}" if value else "0"
            return text
        return super().prepare_value(value)


def bounded_decimal_field(
    model: type[models.Model], name: str, *, shown_plain: bool = False, **kwargs: Any
) -> forms.DecimalField:
    """A form field for the model's decimal column: its decimal places, and at most the
    column's largest value with a message that says that number. ``shown_plain`` shows a
    value without trailing zeros (a rate such as 8.875 in a column of four places)."""
    field = model_field(model, name)
    limit = column_limit(field)
    kwargs.setdefault("max_value", limit)
    error_messages = {"max_value": too_large_message(kwargs["max_value"])}
    field_class = PlainDecimalField if shown_plain else forms.DecimalField
    return field_class(
        decimal_places=field.decimal_places,
        error_messages=error_messages | kwargs.pop("error_messages", {}),
        **kwargs,
    )


LINE_NUMBERS = (("quantity", "quantity"), ("unit_price", "unit price"))
TOTALS = (
    ("subtotal", "subtotal"),
    ("discount_total", "discount"),
    ("tax_total", "tax"),
    ("total", "total"),
)


def validate_document_numbers(*, document, lines, line_model: type[models.Model]) -> None:
    """Refuse a document whose numbers, or the amounts computed from them, do not fit their
    columns; each refusal names the line and the largest number it can take."""
    problems = [
        f"Line {number}: the {label} can be at most {limit_of(line_model, name):,}."
        for number, line in enumerate(lines, start=1)
        for name, label in LINE_NUMBERS
        if not fits(getattr(line, name), limit_of(line_model, name))
    ]
    if problems:
        raise ValidationError({"lines": problems})
    totals = compute_totals(
        lines, discount_percent=document.discount_percent, tax_rate=document.tax_rate
    )
    amount_limit = limit_of(line_model, "amount")
    problems = [
        f"Line {number}: its amount, {amount:,}, is more than a line can hold "
        f"(at most {amount_limit:,}); split it over several lines."
        for number, amount in enumerate(totals.line_amounts, start=1)
        if abs(amount) > amount_limit
    ]
    kind = document._meta.verbose_name
    problems += [
        f"The {kind}'s {label}, {getattr(totals, name):,}, is more than one {kind} can hold "
        f"(at most {limit_of(type(document), name):,}); split it over several {kind}s."
        for name, label in TOTALS
        if abs(getattr(totals, name)) > limit_of(type(document), name)
    ]
    if problems:
        raise ValidationError({"lines": problems})
