"""QBO's faults: raised by the entity code, answered by the views in QBO's own shape
(``{"Fault": {"Error": [...], "type": "ValidationFault"}, "time": ...}``, HTTP 400)."""

from __future__ import annotations

from django.http import JsonResponse

from apps.sandbox.responses import qbo_error, qbo_fault


class QboFault(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        detail: str = "",
        *,
        element: str = "",
        fault_type: str = "ValidationFault",
        status: int = 400,
    ):
        super().__init__(f"{code} {message}: {detail}")
        self.error = qbo_error(code, message, detail, element)
        self.fault_type = fault_type
        self.status = status

    def as_fault(self) -> dict:
        """The ``Fault`` object, as a batch item carries it."""
        return {"Error": [self.error], "type": self.fault_type}

    def response(self) -> JsonResponse:
        return qbo_fault([self.error], fault_type=self.fault_type, status=self.status)


def invalid_property(detail: str, element: str = "") -> QboFault:
    return QboFault("2010", "Request has invalid or unsupported property", detail, element=element)


def unknown_field(entity: str, name: str) -> QboFault:
    return invalid_property(
        f'Property Name:Unrecognized field "{name}" (class com.intuit.schema.finance.v3.{entity}), '
        "not marked as ignorable specified is unsupported or invalid",
        element=name,
    )


def wrong_type(entity: str, name: str, value: object, expected: str) -> QboFault:
    return invalid_property(
        f"Property Name:{name} of {entity} expects {expected}, got {value!r} "
        "specified is unsupported or invalid",
        element=name,
    )


def malformed_body(detail: str) -> QboFault:
    return QboFault("2010", "Request has invalid or unsupported property", detail)


def required(name: str) -> QboFault:
    return QboFault(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
        element=name,
    )


def invalid_reference(name: str, value: object) -> QboFault:
    return QboFault(
        "2500",
        "Invalid Reference Id",
        f"Invalid Reference Id : {name} assigned to this transaction does not exist: {value}",
        element=name,
    )


def not_found(entity: str, record_id: object) -> QboFault:
    return QboFault(
        "610",
        "Object Not Found",
        f"Object Not Found : Something you're trying to use has been made inactive. "
        f"Check the fields with accounts, customers, items, vendors or employees. "
        f"({entity} {record_id})",
    )


def inactive_reference(entity: str, record_id: object, field: str) -> QboFault:
    """A reference to a made-inactive name (QBO never deletes customers, items, accounts or tax
    codes; "deleting" one makes it inactive): Intuit's 610 "Object Not Found : Something you're
    trying to use has been made inactive. Check the fields with accounts, customers, items,
    vendors or employees." (Top QuickBooks Online API errors,
    https://developer.intuit.com/hub/blog/2017/06/08/top-quickbooks-online-api-errors-and-how-to-handle-them)"""
    fault = not_found(entity, record_id)
    fault.error["element"] = field
    return fault


def stale(entity: str, record_id: object, sync_token: object) -> QboFault:
    return QboFault(
        "5010",
        "Stale Object Error",
        f"Stale Object Error : You and another user were working on the same thing. "
        f"Please try again: {entity} {record_id} SyncToken {sync_token} is out of date.",
    )


def duplicate_name(name: str, holders: str = "customer, vendor or employee") -> QboFault:
    """6240: DisplayName is shared by customers, vendors and employees; other lists
    (items, accounts ...) pass their own kind as ``holders``."""
    return QboFault(
        "6240",
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : Another {holders} is already using this name. "
        f"Please use a different name. ({name})",
    )


def business(detail: str, code: str = "6000") -> QboFault:
    return QboFault(
        code,
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
    )


def unsupported(operation: str, entity: str) -> QboFault:
    return QboFault(
        "500",
        "Unsupported Operation",
        f"Operation {operation} is not supported for {entity}.",
    )


def query_parse(detail: str) -> QboFault:
    return QboFault("4000", "Error parsing query", f"QueryParserError: {detail}")


def query_invalid(detail: str) -> QboFault:
    return QboFault("4001", "Invalid query", f"QueryValidationError: {detail}")
