"""The one door of every MYOB API view.

Every call must carry ``Authorization: Bearer {access token}``, ``x-myobapi-key: {API key}`` (the
app's client id) and ``x-myobapi-version: v2`` ("The MYOB Business API expects a custom header
which is used for version management",
https://developer.myob.com/apis/business/v2/). A missing or unknown key is a 403
DeveloperInactive, a bad token a 401, a missing version a 400 ("check you are setting all the
required headers correctly", error-codes page), a company file the token was not granted a 403.
Then the key's rate limits, injected faults and the request log, as for the other sandboxes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.sandbox import oauth, store, webhooks
from apps.sandbox.gateway import _log, claim_fault
from apps.sandbox.models import Provider, SandboxCompany, SandboxFault

from . import errors, limits

logger = logging.getLogger(__name__)
VERSION = "v2"


def myob_api(*, company_file: bool = True) -> Callable:
    """Wrap a view; with ``company_file`` it gets ``(request, company, ...)`` for the
    ``cf_id`` in its URL, else ``(request, token)``."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            started = time.monotonic()
            cf_id = kwargs.pop("cf_id", None)
            company = _company(cf_id)
            try:
                response = _answer(view, request, company, company_file, args, kwargs)
            except Exception:  # an unexpected bug must still answer in MYOB's shape
                logger.exception("Sandbox MYOB request failed on %s", request.path)
                response = errors.one("InternalError", "An internal error occurred")
            _log(Provider.MYOB, request, company, response, started)
            return response

        return wrapper

    return decorator


def _company(cf_id: str | None) -> SandboxCompany | None:
    if not cf_id:
        return None
    return SandboxCompany.objects.filter(
        provider=Provider.MYOB, external_id=str(cf_id).lower()
    ).first()


def _answer(view, request, company, company_file, args, kwargs) -> HttpResponse:
    token, refusal = _admit(request)
    if refusal is not None:
        return refusal
    admission = limits.count_call(token.app.client_id)
    if admission.problem:
        response = errors.one(
            "RateLimitError", limits.MESSAGES[admission.problem], "Header: x-myobapi-key"
        )
        response["Retry-After"] = str(admission.retry_after)
        return response
    if not company_file:
        return view(request, token, *args, **kwargs)
    if company is None:
        return errors.not_found()
    if company.pk != token.company_id:
        return errors.one(
            "AccessDenied", "Access denied", "The token was not granted this company file"
        )
    injected = _injected(request, company)
    if injected is not None:
        return injected
    with store.request_scope(), webhooks.one_send_per_request():
        return view(request, company, *args, **kwargs)


def _admit(request: HttpRequest):
    """(token, None) when the headers let the call in, else (None, MYOB's refusal)."""
    key = request.headers.get("x-myobapi-key", "").strip()
    header = request.headers.get("Authorization", "")
    token = None
    if header.lower().startswith("bearer "):
        token = oauth.token_for_access(header[7:].strip())
    if not key or (token is not None and token.app.client_id != key):
        return None, errors.one(
            "DeveloperInactive", "API key is missing or inactive", "Header: x-myobapi-key"
        )
    if token is None or token.app.provider != Provider.MYOB:
        return None, _unauthorized("The supplied OAuth token (Bearer) is not valid")
    if token.access_expires_at <= timezone.now():
        return None, _unauthorized("The supplied OAuth token (Bearer) has expired")
    if request.headers.get("x-myobapi-version", "").strip().lower() != VERSION:
        return None, errors.one(
            "InvalidApiVersion",
            "The x-myobapi-version header is missing or names an unknown version",
            "Header: x-myobapi-version: v2",
        )
    request.sandbox_token = token
    return token, None


def _unauthorized(message: str) -> HttpResponse:
    response = errors.one("OAuthTokenIsInvalid", message, "Header: Authorization")
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _injected(request: HttpRequest, company: SandboxCompany) -> HttpResponse | None:
    """A fault injected through the control endpoint, answered in MYOB's shape: throttling is a
    403 RateLimitError, a time-out MYOB's 504 GatewayTimeout (error-messages page)."""
    kind = claim_fault(request, company)
    if kind is None:
        return None
    if kind == SandboxFault.Kind.THROTTLE:
        return errors.one("RateLimitError", limits.MESSAGES["second"], "Header: x-myobapi-key")
    if kind == SandboxFault.Kind.EXPIRED_TOKEN:
        return _unauthorized("The supplied OAuth token (Bearer) has expired")
    if kind == SandboxFault.Kind.MALFORMED:
        return HttpResponse('{"Items": [{"UID": "', content_type="application/json")
    if kind == SandboxFault.Kind.TIMEOUT:
        time.sleep(float(getattr(settings, "SANDBOX_FAULT_TIMEOUT_SECONDS", 30)))
        return errors.answer(
            [errors.error("GatewayTimeout", "Connection to the API has timed out")], 504
        )
    if kind == SandboxFault.Kind.UNAVAILABLE:
        return HttpResponse("Service Unavailable", status=503, content_type="text/plain")
    return errors.one("InternalError", "An internal error occurred")
