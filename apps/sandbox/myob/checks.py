"""The field rules MYOB applies to a POST or PUT body, collected so one answer lists every
problem, as MYOB's does ("Errors": [...]).

Required fields are "[Field] is required" (Required, ErrorCode 100); a UID naming no record is
NotFound (ErrorCode 150, "Resource not found when passing a unique identifier for things like
contact, account, taxcode, item, job"); a value longer than the documented length is refused
(https://developer.myob.com/api/myob-business-api/api-overview/error-messages).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.sandbox.models import SandboxCompany

from . import errors, records
from .odata import field_value
from .wire import money, ref


class Checks:
    def __init__(self, company: SandboxCompany, body: dict[str, Any]):
        self.company = company
        self.body = body
        self.found: list[dict] = []

    def fail(self, name: str, message: str, details: str = "") -> None:
        self.found.append(errors.error(name, message, details))

    def done(self) -> None:
        if self.found:
            raise errors.Refused(self.found)

    def value(self, path: str, source: dict | None = None) -> Any:
        return field_value(self.body if source is None else source, path)

    def required(self, path: str, source: dict | None = None, label: str = "") -> Any:
        value = self.value(path, source)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail("Required", f"{label or path.replace('/', '.')} is required")
            return None
        return value

    def length(self, path: str, most: int, source: dict | None = None, label: str = "") -> None:
        value = self.value(path, source)
        if isinstance(value, str) and len(value) > most:
            name = label or path.replace("/", ".")
            self.fail("ValueTooLong", f"{name} must be at most {most} characters", name)

    def amount(self, path: str, source: dict | None = None, label: str = "") -> Decimal | None:
        value = self.value(path, source)
        if value is None:
            return None
        parsed = money(value)
        if parsed is None:
            self.fail("SerializationError", f"Error converting value {value!r} to type 'Decimal'")
        return parsed

    def record(
        self, entity: str, path: str, source: dict | None = None, *, required: bool = True
    ) -> dict | None:
        """The live record a ``{UID: ...}`` reference names; NotFound when it names none."""
        label = path.replace("/", ".")
        uid = self.required(path, source, label) if required else self.value(path, source)
        if uid is None:
            return None
        found = records.data_of(self.company, entity, uid)
        if found is None:
            kind = records.path_of(entity).rsplit("/", 1)[-1]
            self.fail("NotFound", f"{kind} with UID {uid} was not found", label)
        return found

    def tax_code(self, path: str, source: dict | None = None, *, required: bool = True):
        """A tax code of this company file: an AU file has no NZ codes and the other way round."""
        found = self.record(records.TAX_CODE, path, source, required=required)
        return ref("GeneralLedger/TaxCode", found, "Code") if found else None
