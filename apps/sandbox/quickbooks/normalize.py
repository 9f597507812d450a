"""Check a request body against the entity's fields and bring it to one stored form.

Unknown fields and wrongly typed values are refused with QBO's 2010 fault; python-quickbooks'
``""`` defaults for non-text fields and read-only fields are dropped; numbers become JSON numbers.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from . import faults
from .schema import Entity

LINE_FIELDS = {
    "Id": "S",
    "LineNum": "N",
    "Description": "S",
    "Amount": "N",
    "DetailType": "S",
    "SalesItemLineDetail": "O",
    "DiscountLineDetail": "O",
    "SubTotalLineDetail": "O",
    "DescriptionLineDetail": "O",
    "DescriptionOnlyLineDetail": "O",
    "GroupLineDetail": "O",
    "DepositLineDetail": "O",
    "LinkedTxn": "L",
    "CustomField": "L",
    "ProjectRef": "R",
    "LineEx": "O",
    "TaxLineDetail": "O",
}
DETAIL_FIELDS = {
    "SalesItemLineDetail": {
        "ItemRef": "R",
        "ClassRef": "R",
        "TaxCodeRef": "R",
        "ItemAccountRef": "R",
        "PriceLevelRef": "R",
        "TaxClassificationRef": "R",
        "UnitPrice": "N",
        "Qty": "N",
        "TaxInclusiveAmt": "N",
        "DiscountRate": "N",
        "DiscountAmt": "N",
        "ServiceDate": "D",
        "MarkupInfo": "O",
    },
    "DiscountLineDetail": {
        "PercentBased": "B",
        "DiscountPercent": "N",
        "DiscountAccountRef": "R",
        "ClassRef": "R",
        "TaxCodeRef": "R",
    },
    "DepositLineDetail": {
        "AccountRef": "R",
        "Entity": "R",
        "ClassRef": "R",
        "PaymentMethodRef": "R",
        "CheckNum": "S",
        "TxnType": "S",
        "TaxCodeRef": "R",
        "TaxApplicableOn": "S",
    },
}
DETAIL_TYPES = {
    "SalesItemLineDetail",
    "DiscountLineDetail",
    "SubTotalLineDetail",
    "DescriptionOnly",
    "GroupLineDetail",
    "DepositLineDetail",
}


def to_decimal(value: Any, where: str = "amount") -> Decimal:
    if isinstance(value, bool):
        raise faults.wrong_type("", where, value, "a number")
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise faults.wrong_type("", where, value, "a number") from exc
    if not result.is_finite():
        raise faults.wrong_type("", where, value, "a number")
    return result


# Larger numbers than any amount or quantity QBO keeps are refused before any arithmetic.
NUMBER_LIMIT = Decimal(10) ** 11


def _number(value: Any) -> int | float:
    number = to_decimal(value)
    if abs(number) >= NUMBER_LIMIT:
        raise faults.wrong_type("", "amount", value, f"a number below {NUMBER_LIMIT:,}")
    return int(number) if number == number.to_integral_value() else float(number)


def _check(owner: str, name: str, kind: str, value: Any) -> tuple[bool, Any]:
    """(keep, cleaned value) for one field."""
    if value is None or kind == "X":
        return False, None
    if value == "" and kind != "S":
        return False, None
    if kind == "S":
        if isinstance(value, bool) or isinstance(value, dict | list):
            raise faults.wrong_type(owner, name, value, "a string")
        return True, str(value)
    if kind == "B":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return True, value.lower() == "true"
        if not isinstance(value, bool):
            raise faults.wrong_type(owner, name, value, "a boolean")
        return True, value
    if kind == "N":
        try:
            return True, _number(value)
        except faults.QboFault:
            raise faults.wrong_type(owner, name, value, "a number") from None
    if kind in ("D", "T"):
        return True, _date_or_time(owner, name, kind, value)
    if kind == "R":
        return _ref(owner, name, value)
    if kind == "O":
        if not isinstance(value, dict):
            raise faults.wrong_type(owner, name, value, "an object")
        return True, {k: v for k, v in value.items() if v is not None}
    if kind == "L":
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise faults.wrong_type(owner, name, value, "a list of objects")
        return True, value
    return True, value


# A date is xsd:date, "YYYY-MM-DD" (a time or offset after it is read and dropped); anything
# else (01/05/2024, 2024-1-5) is refused as Intuit's JSON reader refuses it: 2010 "Unparseable
# date". https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*|[+-]\d{2}:\d{2}|Z)?$")


def _date_or_time(owner: str, name: str, kind: str, value: Any) -> str:
    if not isinstance(value, str):
        raise faults.wrong_type(owner, name, value, "a date")
    try:
        if kind == "D":
            if not DATE.match(value):
                raise ValueError(value)
            date.fromisoformat(value[:10])
            return value[:10]
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise faults.invalid_property(
            f'Property Name:Unparseable date: "{value}" specified is unsupported or invalid',
            element=name,
        ) from None
    return value


def _ref(owner: str, name: str, value: Any) -> tuple[bool, Any]:
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = {"value": str(value)}
    if not isinstance(value, dict):
        raise faults.wrong_type(owner, name, value, "a reference {value, name}")
    ref_value = value.get("value")
    if ref_value in (None, ""):
        return False, None
    if isinstance(ref_value, dict | list | bool):
        raise faults.wrong_type(owner, f"{name}.value", ref_value, "a string")
    ref = {"value": str(ref_value)}
    if value.get("name"):
        ref["name"] = str(value["name"])
    if value.get("type"):
        ref["type"] = str(value["type"])
    return True, ref


def clean_fields(owner: str, fields: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for name, value in body.items():
        kind = fields.get(name)
        if kind is None:
            raise faults.unknown_field(owner, name)
        keep, value = _check(owner, name, kind, value)
        if keep:
            cleaned[name] = value
    return cleaned


def clean_line(owner: str, line: dict[str, Any]) -> dict[str, Any]:
    cleaned = clean_fields(f"{owner}.Line", LINE_FIELDS, line)
    detail_type = cleaned.get("DetailType")
    if detail_type is not None and detail_type not in DETAIL_TYPES:
        raise faults.invalid_property(
            f"Property Name:DetailType value {detail_type} specified is unsupported or invalid",
            element="DetailType",
        )
    for detail_name, detail_fields in DETAIL_FIELDS.items():
        if detail_name in cleaned:
            cleaned[detail_name] = clean_fields(detail_name, detail_fields, cleaned[detail_name])
    if "LinkedTxn" in cleaned:
        cleaned["LinkedTxn"] = [
            clean_fields("LinkedTxn", {"TxnId": "S", "TxnType": "S", "TxnLineId": "S"}, txn)
            for txn in cleaned["LinkedTxn"]
        ]
    return cleaned


def clean_body(entity: Entity, body: Any) -> dict[str, Any]:
    """The body as stored: checked, defaults dropped, lines cleaned."""
    if not isinstance(body, dict):
        raise faults.malformed_body(f"Expected a JSON object for {entity.name}.")
    cleaned = clean_fields(entity.name, entity.fields, body)
    if "Line" in cleaned:
        cleaned["Line"] = [clean_line(entity.name, line) for line in cleaned["Line"]]
    if "LinkedTxn" in cleaned:
        cleaned["LinkedTxn"] = [
            clean_fields("LinkedTxn", {"TxnId": "S", "TxnType": "S", "TxnLineId": "S"}, txn)
            for txn in cleaned["LinkedTxn"]
        ]
    return cleaned
