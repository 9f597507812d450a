"""MYOB's error answers: ``{"Errors": [{Name, Message, AdditionalDetails, ErrorCode, Severity,
LearnMore}], "Information": ...}``, with the names and statuses of MYOB's list of API error
messages (https://developer.myob.com/api/myob-business-api/api-overview/error-messages) and
response codes (https://developer.myob.com/api/myob-business-api/api-overview/error-codes/)."""

from __future__ import annotations

from django.http import JsonResponse

LEARN_MORE = "https://developer.myob.com/api/myob-business-api/api-overview/error-messages"
INFORMATION = "Warning, error messages have not been finalised in this release and may change"

# Name -> (ErrorCode, HTTP status) of the errors the sandbox gives. The names and codes of
# RateLimitError, DeveloperInactive, SerializationError (50), Required (100) and NotFound (150)
# are MYOB's list's; the others' names are the sandbox's (MYOB publishes no name for them) and
# carry no ErrorCode rather than an invented one (docs/sandbox-myob.md).
KNOWN = {
    "RateLimitError": (None, 403),
    "DeveloperInactive": (None, 403),
    "OAuthTokenIsInvalid": (None, 401),
    "InvalidApiVersion": (None, 400),
    "AccessDenied": (None, 403),
    "SerializationError": (50, 400),
    "Required": (100, 400),
    "NotFound": (150, 400),
    "ValueTooLong": (None, 400),
    "InvalidValue": (None, 400),
    "DuplicateValue": (None, 400),
    "ConcurrencyViolation": (None, 409),
    "UidNotAllowed": (None, 409),
    "ResourceNotFound": (None, 404),
    "ResourceRemoved": (None, 410),
    "MethodNotAllowed": (None, 405),
    "InvalidQuery": (None, 400),
    "AmountAppliedExceedsBalance": (None, 400),
    "CommonRules_DecimalMinValue": (None, 400),
    "InternalError": (None, 500),
}


def error(name: str, message: str, details: str = "") -> dict:
    code, _ = KNOWN.get(name, (None, 400))
    return {
        "Name": name,
        "Message": message,
        "AdditionalDetails": details or None,
        "ErrorCode": code,
        "Severity": "Error",
        "LearnMore": LEARN_MORE,
    }


def answer(errors: list[dict], status: int | None = None) -> JsonResponse:
    """One error answer; its status is that of the first error unless given."""
    if status is None:
        status = KNOWN.get(errors[0]["Name"], (None, 400))[1]
    return JsonResponse({"Errors": errors, "Information": INFORMATION}, status=status)


def one(name: str, message: str, details: str = "") -> JsonResponse:
    return answer([error(name, message, details)])


class Refused(Exception):
    """A write MYOB refuses; ``errors`` are every problem found, in MYOB's shape."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors[0]["Message"] if errors else "refused")
        self.errors = errors

    @property
    def response(self) -> JsonResponse:
        return answer(self.errors)


def refuse(name: str, message: str, details: str = "") -> Refused:
    return Refused([error(name, message, details)])


def not_found() -> JsonResponse:
    return one("ResourceNotFound", "The requested resource was not found")


def removed() -> JsonResponse:
    # MYOB answers 410 for a resource that existed and was deleted (error-codes page, "410").
    return one("ResourceRemoved", "The requested resource has been removed")


def method_not_allowed() -> JsonResponse:
    return one("MethodNotAllowed", "The requested HTTP method is not supported here")
