"""What every Xero record kind knows about itself; each kind lives in its own module."""

from __future__ import annotations

from typing import Any

from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import entities
from .errors import Invalid
from .formats import ms_date

# Fields Xero computes or only reports: a client may send them back (e.g. a record it read
# earlier), and they are ignored.
REPORTED = {
    "UpdatedDateUTC",
    "UpdatedDateUTCString",
    "HasValidationErrors",
    "HasErrors",
    "ValidationErrors",
    "Warnings",
    "StatusAttributeString",
    "HasAttachments",
    "Attachments",
}


class Kind:
    entity: str  # the collection: "Contacts"
    id_field: str  # "ContactID"
    shape: str  # the element's schema name: "Contact"
    # Extra fields a POST without an id matches an existing record by (Items by Code ...).
    natural_keys: tuple[str, ...] = ()
    # Fields that ``build`` always sets to one of these values (``choice``): a filter on them
    # is answered by the database exactly.
    enums: dict[str, tuple[str, ...]] = {}

    def find(self, company: SandboxCompany, element: dict[str, Any]) -> SandboxRecord | None:
        """The record a POST updates, locked for this transaction."""
        if element.get(self.id_field):
            return entities.get(company, self.entity, element[self.id_field], for_update=True)
        for field in self.natural_keys:
            found = entities.find_by(company, self.entity, field, element.get(field))
            if found is not None:
                return entities.get(company, self.entity, found.record_id, for_update=True)
        return None

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The record's new JSON from what the client sent; raises ``Invalid``."""
        raise NotImplementedError

    def after_save(
        self, company: SandboxCompany, record: SandboxRecord, before: dict[str, Any] | None
    ) -> None:
        """Knock-on changes to other records (a payment changes its invoice)."""

    def present(self, company: SandboxCompany, record: SandboxRecord) -> dict[str, Any]:
        return {**record.data, "UpdatedDateUTC": ms_date(record.updated_at)}


def merged(current: dict[str, Any] | None, element: dict[str, Any], *skip: str) -> dict[str, Any]:
    """A POST changes only the fields it names (Xero's partial update)."""
    data = dict(current or {})
    for name, value in element.items():
        if name not in REPORTED and name not in skip:
            data[name] = value
    return data


def choice(value: object, allowed: tuple[str, ...], field: str) -> str:
    """An enumerated value, read without regard to case as Xero does."""
    text = value.upper() if isinstance(value, str) else ""
    if text not in allowed:
        raise Invalid(f"{field} '{value}' is not valid. Use one of: {', '.join(allowed)}.")
    return text
