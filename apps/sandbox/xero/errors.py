"""Xero's answers: the response envelope and its error shapes.

https://developer.xero.com/documentation/api/accounting/responsecodes
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import JsonResponse
from django.utils import timezone

from .formats import ms_date

PROVIDER_NAME = "Ledgerlink Xero Sandbox"


class Invalid(Exception):
    """One element (a contact, an invoice ...) was refused; ``messages`` say why."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


class RequestRefused(Exception):
    """The whole request is refused before any element is looked at."""

    def __init__(self, response: JsonResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def envelope(key: str, elements: list[dict[str, Any]], **extra: Any) -> JsonResponse:
    """200 with Xero's envelope: ``{"Id", "Status", ..., "Invoices": [...]}``."""
    body = {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": PROVIDER_NAME,
        "DateTimeUTC": ms_date(timezone.now()).replace("+0000", ""),
        **extra,
        key: elements,
    }
    return JsonResponse(body)


def validation_failed(elements: list[dict[str, Any]]) -> JsonResponse:
    """400 ValidationException, each refused element carrying its ``ValidationErrors``."""
    return _exception(10, "ValidationException", "A validation exception occurred", elements)


def post_data_invalid(message: str) -> JsonResponse:
    """400 for a body that is not JSON (or not the JSON of a list of records)."""
    return _exception(14, "PostDataInvalidException", message)


def query_invalid(message: str) -> JsonResponse:
    """400 for a ``where`` / ``order`` Xero cannot parse."""
    return _exception(16, "QueryParseException", message)


def not_found() -> JsonResponse:
    return JsonResponse(
        {
            "Title": "NotFound",
            "Status": 404,
            "Detail": "The resource you're looking for cannot be found",
        },
        status=404,
    )


def method_not_allowed() -> JsonResponse:
    return JsonResponse(
        {"Title": "MethodNotAllowed", "Status": 405, "Detail": "This method is not supported"},
        status=405,
    )


def with_errors(element: dict[str, Any], messages: list[str]) -> dict[str, Any]:
    """An element as Xero echoes a refused one back: flagged, with its messages."""
    return {
        **element,
        "StatusAttributeString": "ERROR",
        "HasErrors": True,
        "ValidationErrors": [{"Message": message} for message in messages],
    }


def _exception(
    number: int, kind: str, message: str, elements: list[dict[str, Any]] | None = None
) -> JsonResponse:
    body: dict[str, Any] = {"ErrorNumber": number, "Type": kind, "Message": message}
    if elements is not None:
        body["Elements"] = elements
    return JsonResponse(body, status=400)
