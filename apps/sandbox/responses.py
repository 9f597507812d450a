"""Error answers in each provider's own shape (docs/quickbooks.md and docs/xero.md, "Errors")."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from .models import Provider


def qbo_time() -> str:
    """QBO's ``time`` field: Intuit's Pacific time with offset and milliseconds, as in
    ``"time": "2019-11-18T23:45:06.552-08:00"`` (intuit/QuickBooks-V3-DotNET-SDK#111)."""
    return (
        timezone.now()
        .astimezone(ZoneInfo("America/Los_Angeles"))
        .isoformat(timespec="milliseconds")
    )


def qbo_error(code: str, message: str, detail: str = "", element: str = "") -> dict:
    error = {"Message": message, "Detail": detail or message, "code": str(code)}
    if element:
        error["element"] = element
    return error


def qbo_fault(errors: list[dict], *, fault_type: str = "ValidationFault", status: int = 400):
    body = {"Fault": {"Error": errors, "type": fault_type}, "time": qbo_time()}
    return JsonResponse(body, status=status)


def _xero_problem(status: int, title: str, detail: str) -> JsonResponse:
    body = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return JsonResponse(body, status=status)


def unauthorized(provider: str, *, expired: bool = True) -> HttpResponse:
    if provider == Provider.QUICKBOOKS:
        body = {
            "fault": {
                "error": [
                    {
                        "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                        "detail": "Token expired" if expired else "Token invalid",
                        "code": "3200",
                    }
                ],
                "type": "AUTHENTICATION",
            },
            "time": qbo_time(),
        }
        response = JsonResponse(body, status=401)
    else:
        detail = "TokenExpired: token expired" if expired else "TokenInvalid: token is not valid"
        response = _xero_problem(401, "Unauthorized", detail)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def forbidden(provider: str) -> HttpResponse:
    if provider == Provider.QUICKBOOKS:
        error = qbo_error(
            "3100",
            "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
            "The application is not authorized for this company.",
        )
        return qbo_fault([error], fault_type="AUTHORIZATION", status=403)
    return _xero_problem(403, "Forbidden", "AuthenticationUnsuccessful")


def throttled(provider: str, *, problem: str, retry_after: int) -> HttpResponse:
    if provider == Provider.QUICKBOOKS and problem == "concurrent":
        from .quickbooks.wire import gateway_throttle

        return gateway_throttle(retry_after)
    if provider == Provider.QUICKBOOKS:
        error = qbo_error(
            "3001",
            "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            "The request exceeded the maximum number of requests allowed.",
        )
        response = qbo_fault([error], fault_type="SERVICE", status=429)
    else:
        response = _xero_problem(429, "Too Many Requests", f"Rate limit exceeded: {problem}")
        response["X-Rate-Limit-Problem"] = problem
    response["Retry-After"] = str(retry_after)
    return response


def server_error(provider: str, status: int = 500) -> HttpResponse:
    if status == 503:
        return HttpResponse(
            "Service Unavailable",
            status=503,
            content_type="text/plain",
            headers={"Retry-After": "1"},
        )
    if status == 504:
        return HttpResponse("Gateway Timeout", status=504, content_type="text/plain")
    if provider == Provider.QUICKBOOKS:
        error = qbo_error(
            "10000",
            "An application error has occurred while processing your request",
            "System Failure Error: An unexpected error occurred while accessing or saving "
            "your data.",
        )
        return qbo_fault([error], fault_type="SystemFault", status=status)
    return _xero_problem(status, "An error occurred", "An error occurred in Xero.")


def malformed(provider: str) -> HttpResponse:
    """A 200 whose JSON body is cut short, as a proxy dropping the connection would leave it."""
    body = (
        '{"QueryResponse": {"startPosition": 1, "maxRes'
        if provider == Provider.QUICKBOOKS
        else ('{"Id": "' + str(uuid.uuid4())[:8])
    )
    return HttpResponse(body, status=200, content_type="application/json")
