"""Stripe's error objects.

Every error is ``{"error": {"type", "message", "code"?, "param"?, "doc_url"?}}`` with the HTTP
status Stripe uses: 400 for invalid parameters, 401 for a missing or wrong key, 404 for an
unknown object (type ``invalid_request_error``, code ``resource_missing``).
https://docs.stripe.com/api/errors
"""

from __future__ import annotations

from django.http import JsonResponse


class StripeRefusal(Exception):
    def __init__(
        self, status: int, message: str, *, code: str = "", param: str = "", kind: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.kind = kind or "invalid_request_error"

    @property
    def response(self) -> JsonResponse:
        error = {"type": self.kind, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return JsonResponse({"error": error}, status=self.status)


def missing(kind: str, object_id: str, param: str = "id") -> StripeRefusal:
    """ "No such payout: 'po_123'" (404, resource_missing)."""
    return StripeRefusal(
        404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def invalid(message: str, param: str, code: str = "parameter_invalid_integer") -> StripeRefusal:
    return StripeRefusal(400, message, code=code, param=param)


def unknown_parameter(param: str) -> StripeRefusal:
    return StripeRefusal(
        400, f"Received unknown parameter: {param}", code="parameter_unknown", param=param
    )


def unauthenticated(message: str) -> StripeRefusal:
    # https://docs.stripe.com/api/authentication: a request without a valid key gets 401.
    return StripeRefusal(401, message, kind="invalid_request_error")


def key_reused(key: str) -> StripeRefusal:
    """An idempotency key sent again with other parameters: "Idempotency errors occur when an
    Idempotency-Key is re-used on a request that does not match the first request's API
    endpoint and parameters" (https://docs.stripe.com/api/errors, type idempotency_error)."""
    return StripeRefusal(
        400,
        "Keys for idempotent requests can only be used with the same parameters they were "
        f"first used with. Try using a key other than '{key}' if you meant to execute a "
        "different request.",
        kind="idempotency_error",
    )
