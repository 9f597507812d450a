"""Validating and saving what quotes and invoices share: header values and lines.

The quote and invoice services call these inside their own transaction; totals come from
``compute_totals`` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Model

from apps.common.bounds import validate_document_numbers
from apps.common.currencies import validate_currency
from apps.common.documents import Document, compute_totals
from apps.common.money import HUNDRED, PRICE_PLACES, QUANTITY_PLACES, ZERO, round_places


@dataclass(frozen=True)
class LineInput:
    """One line as staff typed it: a service item or free text."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = ZERO
    taxable: bool = True
    service_item: Model | None = None

    def __post_init__(self) -> None:
        # A line of a non-taxable item is never taxed, whoever built it (form, pull, demo);
        # a taxable item's line may still be marked untaxed (docs/documents.md, "Taxes").
        if self.service_item is not None and not self.service_item.taxable:
            object.__setattr__(self, "taxable", False)


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _check_percent(errors: dict, field: str, value: Any, label: str) -> None:
    number = _decimal(value)
    if number is None or not ZERO <= number <= HUNDRED:
        errors[field] = f"{label} must be between 0 and 100."


def validate_header(
    *,
    organisation,
    customer,
    issue_date: date | None,
    end_date: date | None,
    end_field: str,
    currency: str,
    billing_email: str,
    discount_percent: Any,
    tax_rate: Any,
) -> None:
    """Refuse bad header values, each keyed by the form field it belongs to."""
    errors: dict[str, str] = {}
    if customer is None or customer.organisation_id != organisation.pk:
        errors["customer"] = "Choose one of your customers."
    elif customer.merged_into_id:
        errors["customer"] = f"{customer} was merged into {customer.merged_into}; use that one."
    if issue_date is None:
        errors["issue_date"] = "Enter the issue date."
    elif end_date is not None and end_date < issue_date:
        label = "due date" if end_field == "due_date" else "expiry date"
        errors[end_field] = f"The {label} cannot be before the issue date."
    try:
        validate_currency(currency)
    except ValidationError as exc:
        errors["currency"] = exc.messages[0]
    if billing_email:
        try:
            validate_email(billing_email)
        except ValidationError:
            errors["billing_email"] = f"“{billing_email}” is not a valid e-mail address."
    _check_percent(errors, "discount_percent", discount_percent, "The discount")
    _check_percent(errors, "tax_rate", tax_rate, "The tax rate")
    if errors:
        raise ValidationError(errors)


def validate_lines(*, organisation, lines: list[LineInput]) -> None:
    """Every line needs a description and non-negative numbers; at least one line."""
    problems: list[str] = []
    if not lines:
        problems.append("Add at least one line.")
    for number, line in enumerate(lines, start=1):
        quantity, price = _decimal(line.quantity), _decimal(line.unit_price)
        if not (line.description or "").strip():
            problems.append(f"Line {number}: enter a description.")
        if quantity is None or quantity < 0:
            problems.append(f"Line {number}: the quantity cannot be negative.")
        if price is None or price < 0:
            problems.append(f"Line {number}: the unit price cannot be negative.")
        discount = _decimal(line.discount_percent)
        if discount is None or not ZERO <= discount <= HUNDRED:
            problems.append(f"Line {number}: the line discount must be between 0 and 100.")
        item = line.service_item
        if item is not None and item.organisation_id != organisation.pk:
            problems.append(f"Line {number}: choose one of your service items.")
    if problems:
        raise ValidationError({"lines": problems})


def save_lines(
    *, document: Document, lines: list[LineInput], line_model, parent_field: str
) -> None:
    """Replace the document's lines and store its totals (document must be saved already)."""
    line_model.objects.filter(**{parent_field: document}).delete()
    rows = [
        line_model(
            **{parent_field: document},
            position=position,
            service_item=line.service_item,
            description=line.description.strip(),
            # Stored, and totalled, as precisely as the columns keep them.
            quantity=round_places(Decimal(str(line.quantity)), QUANTITY_PLACES),
            unit_price=round_places(Decimal(str(line.unit_price)), PRICE_PLACES),
            discount_percent=Decimal(str(line.discount_percent)),
            taxable=line.taxable,
        )
        for position, line in enumerate(lines)
    ]
    totals = compute_totals(
        rows, discount_percent=document.discount_percent, tax_rate=document.tax_rate
    )
    for row, amount in zip(rows, totals.line_amounts, strict=True):
        row.amount = amount
    line_model.objects.bulk_create(rows)
    document.subtotal = totals.subtotal
    document.discount_total = totals.discount_total
    document.tax_total = totals.tax_total
    document.total = totals.total
    document.save(update_fields=["subtotal", "discount_total", "tax_total", "total", "updated_at"])


def lines_of(document: Document) -> list[LineInput]:
    """A document's saved lines as inputs, e.g. to copy a quote into an invoice."""
    return [
        LineInput(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            taxable=line.taxable,
            service_item=line.service_item,
        )
        for line in document.lines.all()
    ]


HEADER_FIELDS = (
    "customer",
    "issue_date",
    "billing_email",
    "currency",
    "discount_percent",
    "tax_rate",
    "notes",
)


def document_save(
    document: Document,
    *,
    lines: list[LineInput],
    line_model,
    parent_field: str,
    end_field: str,
    adjustments: Sequence[LineInput] = (),
) -> None:
    """Validate the header and lines of a quote or invoice, then save both with their totals.
    ``adjustments`` (apps.common.adjustments) follow the lines; they may be negative.

    Call inside the service's transaction: a refusal raises before anything is written."""
    validate_header(
        organisation=document.organisation,
        customer=document.customer if document.customer_id else None,
        issue_date=document.issue_date,
        end_date=getattr(document, end_field),
        end_field=end_field,
        currency=document.currency,
        billing_email=document.billing_email,
        discount_percent=document.discount_percent,
        tax_rate=document.tax_rate,
    )
    validate_lines(organisation=document.organisation, lines=lines)
    validate_document_numbers(document=document, lines=lines, line_model=line_model)
    document.discount_percent = Decimal(str(document.discount_percent))
    document.tax_rate = Decimal(str(document.tax_rate))
    document.save()
    save_lines(
        document=document,
        lines=[*lines, *adjustments],
        line_model=line_model,
        parent_field=parent_field,
    )


def apply_header(document: Document, values: dict[str, Any], *, end_field: str) -> None:
    """Set header values on an unsaved or existing document (unknown names refused)."""
    unknown = set(values) - set(HEADER_FIELDS) - {end_field}
    if unknown:
        raise TypeError(f"Not document fields: {', '.join(sorted(unknown))}")
    for name, value in values.items():
        setattr(document, name, value.strip() if isinstance(value, str) else value)
    if not document.billing_email and document.customer_id:
        document.billing_email = document.customer.email
    if not document.currency:
        document.currency = document.organisation.currency
