"""Contacts: https://developer.xero.com/documentation/api/accounting/contacts"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany

from . import entities
from .errors import Invalid
from .formats import is_guid, new_guid
from .kinds import Kind, choice, merged

STATUSES = ("ACTIVE", "ARCHIVED", "GDPRREQUEST")
_COMPUTED = ("ContactID", "Balances", "Website", "Discount", "IsCustomer", "IsSupplier")
_SUMMARY_FIELDS = ("ContactID", "ContactNumber", "ContactStatus", "Name", "FirstName", "LastName")
_SUMMARY_FIELDS += ("EmailAddress", "Addresses", "Phones", "IsSupplier", "IsCustomer")
# Contacts known to this request: read ahead for the documents being presented, or made by a
# document naming a new contact (``resolve_contact``): stored id -> its data, or None.
_read_ahead: ContextVar[dict[str, dict[str, Any] | None] | None] = ContextVar(
    "read_ahead", default=None
)


def duplicate_name_message(name: str) -> str:
    return (
        f"The contact name {name} is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    )


class ContactKind(Kind):
    entity = entities.CONTACTS
    id_field = "ContactID"
    shape = "Contact"
    natural_keys = ("ContactNumber",)
    enums = {"ContactStatus": STATUSES}

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        data = merged(current or _new_contact(element), element, *_COMPUTED)
        data["ContactStatus"] = choice(data.get("ContactStatus"), STATUSES, "ContactStatus")
        name = str(data.get("Name") or "").strip()
        if not name:
            raise Invalid("The contact name must be specified.")
        data["Name"] = name
        problems = []
        email = data.get("EmailAddress") or ""
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append("Email address must be valid.")
        if data["ContactStatus"] == "ACTIVE" and self.name_taken(company, name, data["ContactID"]):
            problems.append(duplicate_name_message(name))
        if problems:
            raise Invalid(*problems)
        return data

    def name_taken(self, company: SandboxCompany, name: str, contact_id: str) -> bool:
        return _name_taken(company, name, contact_id)


class _UnusedNameContactKind(ContactKind):
    """A contact a document names by a Name no contact holds (``resolve_contact`` has just
    looked it up, in any status): nothing to look up again."""

    def name_taken(self, company: SandboxCompany, name: str, contact_id: str) -> bool:
        return False


def _new_contact(element: dict[str, Any]) -> dict[str, Any]:
    return {
        "ContactID": new_guid(),
        "ContactStatus": "ACTIVE",
        "Addresses": [],
        "Phones": [],
        "ContactPersons": [],
        "IsSupplier": bool(element.get("IsSupplier", False)),
        "IsCustomer": bool(element.get("IsCustomer", False)),
        "HasAttachments": False,
        "HasValidationErrors": False,
    }


def _name_taken(company: SandboxCompany, name: str, contact_id: str) -> bool:
    others = (
        store.records_keyed(company, entities.CONTACTS, ("Name",), name)
        .filter(data__ContactStatus="ACTIVE")
        .exclude(record_id=contact_id)
    )
    return any(
        entities.same_text(other, name) for other in others.values_list("data__Name", flat=True)
    )


def _stored_id(contact_id: str) -> str:
    # GUIDs are stored lower-case, as entities.get reads them.
    return contact_id.lower() if is_guid(contact_id) else contact_id


def contact_summary(company: SandboxCompany, contact_id: str) -> dict[str, Any]:
    """The contact as Xero nests it inside an invoice, quote or payment."""
    data = _contact_data(company, contact_id)
    if data is None:
        return {"ContactID": contact_id}
    summary = {key: data[key] for key in _SUMMARY_FIELDS if key in data}
    return {**summary, "HasValidationErrors": False}


_UNKNOWN = object()


def _known(contact_id: object) -> Any:
    """The data of a contact known to this request (None: known not to exist), or
    ``_UNKNOWN``."""
    known = _read_ahead.get() or {}
    key = _stored_id(contact_id) if isinstance(contact_id, str) else contact_id
    return known.get(key, _UNKNOWN)


def _contact_data(company: SandboxCompany, contact_id: str) -> dict[str, Any] | None:
    """The contact's data, from what this request knows of it or else read; None if none."""
    data = _known(contact_id)
    if data is _UNKNOWN:
        record = entities.get(company, entities.CONTACTS, contact_id)
        data = record.data if record is not None else None
    return data


@contextmanager
def contacts_read_ahead(company: SandboxCompany, contact_ids: Iterable[str]) -> Iterator[None]:
    """Read these contacts in one query for the ``contact_summary`` calls made inside: a page
    of documents costs one query for their contacts, not one each. The contacts documents make
    inside the block are known to it too (a write of 50 invoices, each with a new contact, reads
    none of them back)."""
    keys = {_stored_id(value) for value in contact_ids if isinstance(value, str) and value}
    found = (
        dict(
            store.records(company, entities.CONTACTS)
            .filter(record_id__in=keys)
            .values_list("record_id", "data")
        )
        if keys
        else {}
    )
    token = _read_ahead.set({key: found.get(key) for key in keys})
    try:
        yield
    finally:
        _read_ahead.reset(token)


def contact_mark_customer(company: SandboxCompany, contact_id: str) -> None:
    """Xero flags a contact as a customer once it has a sales document."""
    known = _known(contact_id)
    if isinstance(known, dict) and known.get("IsCustomer"):
        return
    record = entities.get(company, entities.CONTACTS, contact_id, for_update=True)
    if record is not None and not record.data.get("IsCustomer"):
        store.record_save(record=record, data={**record.data, "IsCustomer": True})
        if known is not _UNKNOWN:  # read from the database again (this may yet roll back)
            _read_ahead.get().pop(_stored_id(contact_id), None)


def contact_check_usable(company: SandboxCompany, contact_id: str) -> None:
    """Xero takes no new transaction for an archived contact until it is restored: "the
    contact must be un-archived before creating new invoices or credit notes"
    (https://support.servicem8.com/hc/en-us/articles/360004389936-Resolving-contact-archive-errors).
    Xero does not publish the message's wording; docs/sandbox-xero.md. ``Invalid`` if archived."""
    data = _contact_data(company, contact_id)
    if data is not None and data.get("ContactStatus") == "ARCHIVED":
        name = data.get("Name", contact_id)
        raise Invalid(
            f"The contact {name} is archived. Restore the contact before adding transactions."
        )


def resolve_contact(company: SandboxCompany, given: object, *, customer: bool = False) -> str:
    """The ContactID a document names: by ContactID, ContactNumber or Name. An unknown Name
    makes a new contact, as Xero does: a ``customer`` already when the document is a sale
    (``contact_mark_customer`` then has nothing to change), known to the rest of the request
    (``contacts_read_ahead``)."""
    if not isinstance(given, dict) or not given:
        raise Invalid("A Contact must be specified.")
    if given.get("ContactID"):
        if entities.get(company, entities.CONTACTS, given["ContactID"]) is None:
            raise Invalid(f"The contact with ID {given['ContactID']} could not be found.")
        return str(given["ContactID"]).lower()
    for field in ("ContactNumber", "Name"):
        found = entities.find_by(company, entities.CONTACTS, field, given.get(field))
        if found is not None:
            return found.record_id
    if not given.get("Name"):
        raise Invalid("A Contact must be specified by ContactID, ContactNumber or Name.")
    data = _UnusedNameContactKind().build(company, given, None)
    data["IsCustomer"] = data["IsCustomer"] or customer
    record_id = store.record_create(
        company=company, entity=entities.CONTACTS, record_id=data["ContactID"], data=data
    ).record_id
    known = _read_ahead.get()
    if known is not None:
        known[_stored_id(record_id)] = data
    return record_id
