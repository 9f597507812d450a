"""How MYOB writes things on the wire: UIDs, references to other records with their URI,
RowVersion, LastModified and money.

Records are stored with every ``URI`` relative to the company file ("/Contact/Customer/{UID}");
``present`` puts the company file's absolute address in front when a record is answered, as
MYOB names every record by its full URI ({cf_uri}/...).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest

from apps.sandbox.models import SandboxCompany

API_ROOT = "/sandbox/myob/accountright"
CENT = Decimal("0.01")


def company_file_uri(request: HttpRequest | None, company: SandboxCompany) -> str:
    path = f"{API_ROOT}/{company.external_id}"
    return request.build_absolute_uri(path) if request is not None else path


def present(value: Any, cf_uri: str) -> Any:
    """A stored record as answered: relative URIs made absolute, private keys ("_...") left out."""
    if isinstance(value, dict):
        shown = {}
        for key, item in value.items():
            if key.startswith("_"):
                continue
            if key == "URI" and isinstance(item, str) and item.startswith("/"):
                shown[key] = cf_uri + item
            else:
                shown[key] = present(item, cf_uri)
        return shown
    if isinstance(value, list):
        return [present(item, cf_uri) for item in value]
    return value


def new_uid() -> str:
    return str(uuid.uuid4())


def new_row_version() -> str:
    """MYOB's RowVersion is an opaque signed 64-bit number written as text, new on every change:
    "RowVersion": "-6933843581174022144" (apisupport.myob.com, "Solving the
    IncorrectRowVersionSupplied Error message")."""
    return str(secrets.randbits(64) - 2**63)


def modified_now() -> str:
    """LastModified: UTC, no offset, milliseconds (docs/sandbox-myob.md, "Times")."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def parse_time(text: str) -> datetime | None:
    """A MYOB date or date-time ("2026-12-01", "2026-12-01T10:00:00", "2026-12-01 10:00:00")."""
    cleaned = str(text or "").strip().replace(" ", "T").rstrip("Z")
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return parsed.replace(tzinfo=None) if parsed.tzinfo else parsed


def day_time(text: str) -> str | None:
    """A date as MYOB answers it: "2026-12-01T00:00:00"."""
    parsed = parse_time(text)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S") if parsed else None


def money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def number(value: Decimal) -> float:
    """Money as a JSON number, as MYOB writes it (``"TotalAmount": 110.00`` → 110.0)."""
    return float(cents(value))


def ref(path: str, record_data: dict, *fields: str) -> dict:
    """A reference to another record: its UID, the given fields, and its URI."""
    uid = record_data["UID"]
    return {"UID": uid, **{f: record_data.get(f) for f in fields}, "URI": f"/{path}/{uid}"}
