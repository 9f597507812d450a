"""What invoices and quotes share: contact, dates, lines, totals and numbering."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany

from .contacts import contact_check_usable, contact_summary, resolve_contact
from .entities import same_text
from .errors import Invalid
from .formats import day_string, money, ms_day, parse_day
from .lines import price_lines


def document_day(data: dict[str, Any], field: str, default: date | None) -> date | None:
    """A date field as given (any of Xero's forms) or kept from before; ``Invalid`` if garbled."""
    value = data.get(field)
    if value in (None, ""):
        return default
    day = parse_day(value)
    if day is None:
        raise Invalid(f"{field} '{value}' is not a valid date.")
    return day


def set_day(data: dict[str, Any], field: str, day: date | None) -> None:
    """Xero sends each date twice: ``/Date(ms)/`` and its ``...String`` companion."""
    if day is None:
        data.pop(field, None)
        data.pop(f"{field}String", None)
        return
    data[field] = ms_day(day)
    data[f"{field}String"] = day_string(day)


def fill_document(
    company: SandboxCompany,
    data: dict[str, Any],
    *,
    amounts: str,
    posted: bool,
    due_field: str,
    contact_before: str | None = None,
    customer: bool = False,
) -> None:
    """Contact, dates, priced lines and totals of an invoice or quote, in place. A new document,
    or one moved to another contact, may not name an archived contact; one that keeps its
    contact may still be changed (voided, say) after the contact was archived."""
    problems: list[str] = []
    try:
        contact_id = resolve_contact(company, data.get("Contact"), customer=customer)
        if contact_id != contact_before:
            contact_check_usable(company, contact_id)
        data["Contact"] = {"ContactID": contact_id}
    except Invalid as refused:
        problems.extend(refused.messages)
    try:
        issued = document_day(data, "Date", timezone.localdate())
        set_day(data, "Date", issued)
        set_day(data, due_field, document_day(data, due_field, None))
    except Invalid as refused:
        problems.extend(refused.messages)
    currency = data.get("CurrencyCode") or company.currency
    # Xero's own wording, quoted in https://developer.xero.com/documentation/api/accounting/payments
    # ("Organisation is not subscribed to currency EUR"); the sandbox's organisations have one.
    if currency.upper() != company.currency:
        problems.append(f"Organisation is not subscribed to currency {currency}")
    data["CurrencyCode"], data["CurrencyRate"] = company.currency, 1.0
    raw_lines = data.get("LineItems") or []
    if posted and not raw_lines:
        problems.append("At least one line item must be specified.")
    try:
        priced = price_lines(company, raw_lines, amounts, posted=posted)
    except Invalid as refused:
        problems.extend(refused.messages)
    if problems:
        raise Invalid(*problems)
    data["LineItems"] = priced.lines
    data["SubTotal"], data["TotalTax"] = money(priced.sub_total), money(priced.total_tax)
    data["Total"] = money(priced.total)
    data["TotalDiscount"] = 0.0


def next_document_number(company: SandboxCompany, entity: str, field: str, prefix: str) -> str:
    """``INV-0001``, ``QU-0001`` ...: the next number no document of the kind holds yet."""
    while True:
        number = f"{prefix}-{store.next_number(company, f'xero:{field}'):04d}"
        if not number_taken(company, entity, field, number, exclude_id=""):
            return number


def number_taken(
    company: SandboxCompany, entity: str, field: str, number: str, *, exclude_id: str
) -> bool:
    others = (
        store.records_keyed(company, entity, (field,), number)
        .exclude(data__Status="DELETED")
        .exclude(record_id=exclude_id)
    )
    return any(same_text(data.get(field), number) for data in others.values_list("data", flat=True))


def due_by_default(data: dict[str, Any]) -> date | None:
    issued = parse_day(data.get("Date"))
    return issued + timedelta(days=30) if issued else None


def with_contact(company: SandboxCompany, data: dict[str, Any]) -> dict[str, Any]:
    """The stored document with its contact spelled out as Xero nests it."""
    contact_id = (data.get("Contact") or {}).get("ContactID", "")
    return {**data, "Contact": contact_summary(company, contact_id)}
