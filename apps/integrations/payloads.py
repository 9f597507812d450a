"""Reading a provider's webhook body: parse it, check every field against the provider's
documented shape, and bound every value before any of it reaches the database
(docs/security.md, "Webhook bodies").

Each provider module (``quickbooks/notifications.py``, ``xero/notifications.py``) describes its
shape with these checks; a body that does not fit raises ``BadPayload`` whose message names the
field, and the receiver answers 400 with it, having written nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

# PostgreSQL's jsonb and text columns refuse NUL; a lone surrogate cannot be encoded as UTF-8.
# Both would fail at the database, so they are refused here, field by field.
MAX_EVENTS = 1000
MAX_TEXT = 2000
MAX_DEPTH = 8
# Integers every JSON reader and PostgreSQL's jsonb round-trip exactly.
MAX_SAFE_INT = 2**53 - 1


class BadPayload(ValueError):
    """A webhook body that is not the provider's shape; the message says where."""


@dataclass(frozen=True)
class Notice:
    """One event of a webhook body: its id, the remote company it concerns, and what is kept."""

    event_id: str
    company: str
    event: dict[str, Any]


def _refuse_constant(name: str) -> None:
    raise BadPayload(f"{name} is not a JSON number.")


def parse(body: bytes) -> Any:
    try:
        return json.loads(body or b"null", parse_constant=_refuse_constant)
    except BadPayload:
        raise
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise BadPayload("The body is not JSON.") from exc


def content_id(event: dict) -> str:
    """An id for an event that carries none: its content (a redelivery has the same)."""
    return hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()


def obj(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise BadPayload(f"{where} must be an object.")
    return value


def items(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise BadPayload(f"{where} must be a list.")
    if len(value) > MAX_EVENTS:
        raise BadPayload(f"{where} has more than {MAX_EVENTS} items.")
    return value


def text(container: dict, key: str, where: str, *, max_length: int = 200, required=True) -> str:
    """A string field: present (unless optional), not empty, bounded, storable."""
    if key not in container and not required:
        return ""
    value = container.get(key)
    if not isinstance(value, str) or not value:
        raise BadPayload(f"{where}.{key} must be a non-empty string.")
    if len(value) > max_length:
        raise BadPayload(f"{where}.{key} is longer than {max_length} characters.")
    _storable(value, f"{where}.{key}")
    return value


def integer(container: dict, key: str, where: str, *, low: int, high: int) -> int:
    value = container.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadPayload(f"{where}.{key} must be an integer.")
    if not low <= value <= high:
        raise BadPayload(f"{where}.{key} must be between {low} and {high}.")
    return value


def free_object(container: dict, key: str, where: str) -> dict:
    """An optional object whose content the provider does not fix (CloudEvents ``data``):
    kept as it is, once every value in it is storable and bounded."""
    if key not in container:
        return {}
    value = obj(container[key], f"{where}.{key}")
    _json_value(value, f"{where}.{key}", depth=0)
    return value


def _storable(value: str, where: str) -> None:
    if "\x00" in value:
        raise BadPayload(f"{where} contains a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadPayload(f"{where} is not valid Unicode.") from exc


def _json_value(value: Any, where: str, *, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise BadPayload(f"{where} is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise BadPayload(f"{where} is longer than {MAX_TEXT} characters.")
        _storable(value, where)
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise BadPayload(f"{where} is a number beyond ±{MAX_SAFE_INT}.")
    elif isinstance(value, float):
        if abs(value) > MAX_SAFE_INT:
            raise BadPayload(f"{where} is a number beyond ±{MAX_SAFE_INT}.")
    elif isinstance(value, list):
        for index, item in enumerate(items(value, where)):
            _json_value(item, f"{where}[{index}]", depth=depth + 1)
    else:
        for key, item in obj(value, where).items():
            _storable(key, f"{where} key")
            _json_value(item, f"{where}.{key}", depth=depth + 1)
