"""Creating and changing customers; every change is recorded for sync in the same transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from apps.common.changes import record_change

from .matching import normalise_email, normalise_name, normalise_phone
from .models import Customer

EDITABLE_FIELDS = (
    "title",
    "given_name",
    "family_name",
    "company_name",
    "display_name",
    "email",
    "phone",
    "billing_line1",
    "billing_line2",
    "billing_city",
    "billing_region",
    "billing_postal_code",
    "billing_country",
    "notes",
)


def _default_display_name(values: dict[str, Any]) -> str:
    person = " ".join(p for p in (values.get("given_name"), values.get("family_name")) if p)
    return person or values.get("company_name") or ""


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not customer fields: {', '.join(sorted(unknown))}")
    cleaned = {key: (value or "").strip() for key, value in values.items()}
    if "billing_country" in cleaned:
        cleaned["billing_country"] = cleaned["billing_country"].upper()
    return cleaned


def customer_validate(customer: Customer) -> None:
    """Refuse what the services would refuse on saving, keyed by field (for forms that build
    the customer themselves, like the admin's)."""
    _validate(customer)


def _validate(customer: Customer) -> None:
    errors: dict[str, str] = {}
    if not customer.display_name:
        errors["display_name"] = "Enter a display name, or a given/family name or company."
    if customer.email:
        try:
            validate_email(customer.email)
        except ValidationError:
            errors["email"] = f"“{customer.email}” is not a valid e-mail address."
    if customer.billing_country and len(customer.billing_country) != 2:
        errors["billing_country"] = "Use the two-letter country code, e.g. US."
    if errors:
        raise ValidationError(errors)


def _store_keys(customer: Customer) -> None:
    customer.email_normalised = normalise_email(customer.email)
    customer.phone_normalised = normalise_phone(customer.phone)
    customer.name_normalised = normalise_name(customer.display_name)


def _save_and_record(customer: Customer) -> Customer:
    _validate(customer)
    _store_keys(customer)
    with transaction.atomic():
        customer.save()
        record_change(
            organisation_id=customer.organisation_id, kind="customer", object_id=customer.pk
        )
    return customer


def customer_create(*, organisation, **values: Any) -> Customer:
    """A new customer; ``values`` are any of EDITABLE_FIELDS."""
    cleaned = _clean(values)
    cleaned["display_name"] = cleaned.get("display_name") or _default_display_name(cleaned)
    return _save_and_record(Customer(organisation=organisation, **cleaned))


def customer_update(*, customer: Customer, **values: Any) -> Customer:
    if customer.merged_into_id:
        raise ValidationError(
            f"{customer} was merged into {customer.merged_into}; edit that customer instead."
        )
    cleaned = _clean(values)
    for field, value in cleaned.items():
        setattr(customer, field, value)
    if not customer.display_name:
        customer.display_name = _default_display_name(cleaned)
    return _save_and_record(customer)
