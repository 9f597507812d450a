"""Xero's wire formats: Microsoft JSON dates, money as numbers, GUIDs.

https://developer.xero.com/documentation/api/accounting/requests-and-responses
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime

from apps.common.money import round_money

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_LARGEST = Decimal("1e15")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?")


def ms_date(moment: datetime) -> str:
    """``/Date(1552262400000+0000)/``: the form Xero uses for every timestamp in JSON."""
    millis = int(moment.astimezone(UTC).timestamp() * 1000)
    return f"/Date({millis}+0000)/"


def ms_day(day: date) -> str:
    return ms_date(datetime(day.year, day.month, day.day, tzinfo=UTC))


def day_string(day: date) -> str:
    """The ``DateString`` companion Xero sends beside a date."""
    return f"{day.isoformat()}T00:00:00"


def parse_day(value: object) -> date | None:
    """A date as clients send it: ``2024-05-01``, ``2024-05-01T00:00:00`` or ``/Date(ms)/``.

    ``None`` when the value is not a date in any of those forms.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    found = _MS_DATE.match(text)
    if found:
        return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(found[1]))).date()
    found = _ISO_DATE.match(text)
    if not found:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def parse_since(header: str) -> datetime | None:
    """``If-Modified-Since``: an HTTP date, an ISO 8601 timestamp or a Xero ``/Date()/``."""
    text = header.strip()
    found = _MS_DATE.match(text)
    if found:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(found[1]))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        # Xero reads a timestamp without an offset as UTC.
        moment = moment.replace(tzinfo=UTC)
    return moment


def truncate_ms(moment: datetime) -> datetime:
    """Timestamps compared at the precision clients see them (milliseconds)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def parse_decimal(value: object) -> Decimal | None:
    """A number as JSON carries it (or a numeric string); ``None`` if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        # Beyond any real amount, and beyond what Decimal can round to the cent.
        return number if number.is_finite() and abs(number) < _LARGEST else None
    return None


def money(value: Decimal) -> float:
    """Money on the wire: a JSON number with two decimals."""
    return float(round_money(value))


def is_guid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def new_guid() -> str:
    return str(uuid.uuid4())
