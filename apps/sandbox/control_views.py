"""The control endpoint: fault injection, token expiry and the request log over HTTP."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import control


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise control.ControlError("The body must be JSON.") from exc
    if not isinstance(body, dict):
        raise control.ControlError("The body must be a JSON object.")
    return body


@csrf_exempt
@require_POST
def faults(request: HttpRequest) -> JsonResponse:
    """POST {company, kind, count, path_contains}."""
    try:
        body = _json_body(request)
        fault = control.fault_inject(
            company=str(body.get("company", "")),
            kind=str(body.get("kind", "")),
            count=int(body.get("count", 1)),
            path_contains=str(body.get("path_contains", "")),
        )
    except (control.ControlError, TypeError, ValueError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(
        {"id": fault.pk, "kind": fault.kind, "remaining": fault.remaining}, status=201
    )


@csrf_exempt
@require_POST
def expire_token(request: HttpRequest) -> JsonResponse:
    """POST {company}: every access token of the company expires now."""
    try:
        body = _json_body(request)
        expired = control.token_expire(company=str(body.get("company", "")))
    except control.ControlError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"expired": expired})


@require_GET
def request_log(request: HttpRequest) -> JsonResponse:
    """GET ?company=<id>[&path_contains=…]: the company's requests, oldest first."""
    try:
        company = control.company_by_external_id(request.GET.get("company", ""))
    except control.ControlError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    rows = control.requests_log(company, path_contains=request.GET.get("path_contains", ""))
    return JsonResponse(
        {
            "count": rows.count(),
            "requests": [
                {
                    "method": row.method,
                    "path": row.path,
                    "status": row.status,
                    "duration_ms": row.duration_ms,
                    "at": row.created_at.isoformat(),
                }
                for row in rows[:1000]
            ],
        }
    )
