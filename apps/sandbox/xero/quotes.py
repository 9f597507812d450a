"""Quotes: https://developer.xero.com/documentation/api/accounting/quotes"""

from __future__ import annotations

from typing import Any

from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import entities
from .documents import fill_document, next_document_number, number_taken, with_contact
from .errors import Invalid
from .formats import new_guid
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
        fill_document(company, data, amounts=amounts, posted=False, due_field="ExpiryDate")
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
