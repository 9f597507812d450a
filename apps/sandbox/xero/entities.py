"""Where the Xero sandbox keeps its records, and the look-ups the entities share.

Each record is a SandboxRecord whose ``entity`` is the name of its Xero collection ("Contacts",
"Invoices" ...), as the resource URLs and the webhooks name them; its ``data`` is the record's
Xero JSON without ``UpdatedDateUTC`` (that is the row's ``updated_at``).
"""

from __future__ import annotations

from typing import Any

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from .formats import is_guid

CONTACTS = "Contacts"
INVOICES = "Invoices"
CREDIT_NOTES = "CreditNotes"
# Stored for idempotent retries only: Xero has no GET of allocations (they show on their credit
# note and invoice).
ALLOCATIONS = "Allocations"
QUOTES = "Quotes"
PAYMENTS = "Payments"
ITEMS = "Items"
TAX_RATES = "TaxRates"
ACCOUNTS = "Accounts"


def get(
    company: SandboxCompany, entity: str, record_id: object, *, for_update: bool = False
) -> SandboxRecord | None:
    if not isinstance(record_id, str) or not record_id:
        return None
    # GUIDs are stored lower-case; clients may send them in either case.
    key = record_id.lower() if is_guid(record_id) else record_id
    return store.record_get(company=company, entity=entity, record_id=key, for_update=for_update)


def find_by(
    company: SandboxCompany, entity: str, field: str, value: object
) -> SandboxRecord | None:
    """The first record whose ``field`` equals ``value`` (text compared without case)."""
    if not isinstance(value, str) or not value.strip():
        return None
    wanted = value.strip()
    narrowing = store.key_filter(entity, (field,), [wanted])
    if narrowing is None:
        lookup = {f"data__{field}__iexact": wanted}
        return store.records(company, entity).filter(**lookup).order_by("pk").first()
    candidates = store.records(company, entity).filter(narrowing).order_by("pk")
    return next((row for row in candidates if same_text(row.data.get(field), wanted)), None)


def named_locked(
    company: SandboxCompany,
    entity: str,
    given: dict[str, Any],
    id_field: str,
    number_field: str,
    number: object = None,
) -> SandboxRecord | None:
    """The record a request names by its id (``id_field``), else by its number
    (``number_field`` of ``given``, or ``number``), locked for the change the request makes."""
    if given.get(id_field):
        return get(company, entity, given[id_field], for_update=True)
    found = find_by(company, entity, number_field, number or given.get(number_field))
    return get(company, entity, found.record_id, for_update=True) if found else None


def same_text(stored: object, wanted: str) -> bool:
    """Xero's comparison of text: without regard to case."""
    return stored is not None and str(stored).lower() == wanted.lower()


def taken_by_another(
    company: SandboxCompany, entity: str, field: str, value: object, record_id: str
) -> bool:
    """Whether a record other than ``record_id`` already has this ``field`` value."""
    taken = find_by(company, entity, field, value)
    return taken is not None and taken.record_id != record_id


def tax_rates(company: SandboxCompany) -> dict[str, dict[str, Any]]:
    return store.remembered(
        company,
        TAX_RATES,
        "all",
        lambda: {row.record_id: row.data for row in store.records(company, TAX_RATES)},
    )


def account_by_code(company: SandboxCompany, code: object) -> dict[str, Any] | None:
    def produce() -> dict[str, Any] | None:
        found = find_by(company, ACCOUNTS, "Code", code)
        return found.data if found else None

    if not isinstance(code, str):
        return produce()
    return store.remembered(company, ACCOUNTS, ("Code", code.strip().lower()), produce)


def account_given(company: SandboxCompany, given: object) -> dict[str, Any] | None:
    """The account a request names as ``{"AccountID": …}`` or ``{"Code": …}``, if any."""
    given = given if isinstance(given, dict) else {}
    if given.get("AccountID"):
        found = get(company, ACCOUNTS, given["AccountID"])
        return found.data if found else None
    if given.get("Code"):
        return account_by_code(company, given["Code"])
    return None


def item_by_code(company: SandboxCompany, code: object) -> dict[str, Any] | None:
    found = find_by(company, ITEMS, "Code", code)
    return found.data if found else None
