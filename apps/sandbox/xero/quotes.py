"""Quotes: https://developer.xero.com/documentation/api/accounting/quotes"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import entities
from .documents import fill_document, next_document_number, number_taken, with_contact
from .errors import Invalid
from .formats import new_guid, parse_day
from .kinds import Kind, choice, merged
from .lines import amount_type

STATUSES = ("DRAFT", "SENT", "DECLINED", "ACCEPTED", "INVOICED", "DELETED")
TRANSITIONS = {
    # Xero takes a quote in any of the statuses a person can give it, not only DRAFT.
    None: {"DRAFT", "SENT", "ACCEPTED", "DECLINED"},
    "DRAFT": {"DRAFT", "SENT", "DELETED"},
    "SENT": {"SENT", "DRAFT", "ACCEPTED", "DECLINED", "DELETED"},
    "DECLINED": {"DECLINED", "SENT", "ACCEPTED", "DELETED"},
    "ACCEPTED": {"ACCEPTED", "SENT", "DECLINED", "INVOICED", "DELETED"},
    "INVOICED": {"INVOICED"},
    "DELETED": set(),
}
# Quotes spell LineAmountTypes in capitals (QuoteLineAmountTypes in Xero's specification).
_QUOTE_AMOUNT_TYPES = {"Exclusive": "EXCLUSIVE", "Inclusive": "INCLUSIVE", "NoTax": "NOTAX"}
_COMPUTED = ("QuoteID", "SubTotal", "TotalTax", "Total", "TotalDiscount", "DateString")


class QuoteKind(Kind):
    entity = entities.QUOTES
    id_field = "QuoteID"
    shape = "Quote"
    enums = {"Status": STATUSES}

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        before = (current or {}).get("Status")
        status = choice(element.get("Status", before or "DRAFT"), STATUSES, "Status")
        if status not in TRANSITIONS[before]:
            raise Invalid(f"The quote status cannot be changed from {before} to {status}.")
        data = merged(current or {"QuoteID": new_guid()}, element, *_COMPUTED)
        data["Status"] = status
        amounts = amount_type(data.get("LineAmountTypes"))
        data["LineAmountTypes"] = _QUOTE_AMOUNT_TYPES[amounts]
        fill_document(
            company,
            data,
            amounts=amounts,
            posted=False,
            due_field="ExpiryDate",
            contact_before=((current or {}).get("Contact") or {}).get("ContactID"),
        )
        number = str(data.get("QuoteNumber") or "").strip()
        if not number:
            number = next_document_number(company, entities.QUOTES, "QuoteNumber", "QU")
        elif number_taken(
            company, entities.QUOTES, "QuoteNumber", number, exclude_id=data["QuoteID"]
        ):
            raise Invalid("Quote number must be unique.")
        data["QuoteNumber"] = number
        return data

    def present(self, company: SandboxCompany, record: SandboxRecord) -> dict[str, Any]:
        return with_contact(company, super().present(company, record))


# What GET Quotes takes (xero_accounting.yaml, operation getQuotes, and
# https://developer.xero.com/documentation/api/accounting/quotes#get-quotes): no ``where``, no
# ``pageSize``, no ``IDs``. Xero quietly ignores what it does not know, so a client believes it
# filtered; the sandbox refuses such a request instead, so the mistake shows in tests.
LIST_PARAMS = frozenset(
    "DateFrom DateTo ExpiryDateFrom ExpiryDateTo ContactID Status page order QuoteNumber".split()
)
_DAY_FILTERS = {
    "DateFrom": ("Date", False),
    "DateTo": ("Date", True),
    "ExpiryDateFrom": ("ExpiryDate", False),
    "ExpiryDateTo": ("ExpiryDate", True),
}


def quote_params_refused(params: Mapping[str, str]) -> str:
    """Why a GET Quotes query is refused, or ``""``."""
    unknown = sorted(name for name in params if name not in LIST_PARAMS)
    if unknown:
        return f"GET Quotes does not take the parameter(s) {', '.join(unknown)}."
    for name in _DAY_FILTERS:
        if params.get(name) and parse_day(params[name]) is None:
            return f"{name} '{params[name]}' is not a valid date."
    return ""


def quote_filtered(params: Mapping[str, str]) -> bool:
    return any(params.get(name) for name in (*_DAY_FILTERS, "ContactID"))


def quote_wanted(row: dict[str, Any], params: Mapping[str, str]) -> bool:
    """Whether a presented quote meets the ContactID and date filters (both ends included)."""
    contact = params.get("ContactID", "").strip().lower()
    if contact and str((row.get("Contact") or {}).get("ContactID", "")).lower() != contact:
        return False
    for name, (field, upper) in _DAY_FILTERS.items():
        bound = parse_day(params.get(name) or None)
        if bound is None:
            continue
        day = parse_day(row.get(field))
        if day is None or (day > bound if upper else day < bound):
            return False
    return True
