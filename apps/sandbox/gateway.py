"""The one door of every sandbox API view of both providers.

``sandbox_api(provider)`` authenticates the Bearer token, resolves the company (QBO: ``realm_id``
in the URL; Xero: the ``xero-tenant-id`` header, which the token must grant), applies the
provider's rate and concurrency limits, answers injected faults, logs the request and finally
calls ``view(request, company, **kwargs)``. The token is on ``request.sandbox_token``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import limits, oauth, responses, store, webhooks
from .models import (
    Provider,
    SandboxCompany,
    SandboxFault,
    SandboxIdempotentResponse,
    SandboxRequest,
)

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def sandbox_api(provider: str, *, batch: bool = False) -> Callable[[View], View]:
    """Wrap an API view; ``batch=True`` also counts QBO's separate batch limit."""

    def decorator(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            started = time.monotonic()
            realm_id = kwargs.pop("realm_id", None)
            company = None
            try:
                company, response = _admit(provider, request, realm_id)
                if response is None:
                    response = _run(provider, view, request, company, batch, args, kwargs)
            except Exception:  # an unexpected bug must still answer in the provider's shape
                logger.exception("Sandbox %s request failed on %s", provider, request.path)
                response = responses.server_error(provider)
            _log(provider, request, company, response, started)
            return response

        return wrapper

    return decorator


def _admit(provider: str, request: HttpRequest, realm_id: str | None):
    """Authenticate and resolve the company: (company or None, refusal or None)."""
    header = request.headers.get("Authorization", "")
    token = None
    if header.lower().startswith("bearer "):
        token = oauth.token_for_access(header[7:].strip())
    if token is None or token.app.provider != provider:
        return _company_or_none(provider, request, realm_id), responses.unauthorized(
            provider, expired=False
        )
    company = _company_or_none(provider, request, realm_id)
    if token.access_expires_at <= timezone.now():
        return company, responses.unauthorized(provider)
    if company is None or not _granted(token, company):
        return company, responses.forbidden(provider)
    request.sandbox_token = token
    return company, None


def _granted(token, company: SandboxCompany) -> bool:
    """QBO: the token's own realm. Xero: a tenant still connected to the token; after DELETE
    /connections/{id} Xero answers 403 for that tenant, not 401, as the access token itself
    stays valid (https://developer.xero.com/documentation/guides/oauth2/tenants)."""
    if company.provider == Provider.XERO:
        return company.external_id in oauth.granted_tenant_ids(token)
    return company.pk == token.company_id


def _company_or_none(provider: str, request: HttpRequest, realm_id: str | None):
    external_id = (
        realm_id if provider == Provider.QUICKBOOKS else request.headers.get("xero-tenant-id", "")
    )
    if not external_id:
        return None
    return SandboxCompany.objects.filter(provider=provider, external_id=external_id).first()


def _run(provider, view, request, company, batch, args, kwargs) -> HttpResponse:
    app = request.sandbox_token.app
    admission = limits.count_request(company, app=app, batch=batch)
    if admission.problem:
        response = responses.throttled(
            provider, problem=admission.problem, retry_after=admission.retry_after
        )
        return _with_limit_headers(provider, response, admission)
    with limits.concurrency_slot(company, app) as admitted:
        if not admitted:
            response = responses.throttled(provider, problem="concurrent", retry_after=1)
            return _with_limit_headers(provider, response, admission)
        response = _injected_fault(provider, request, company)
        if response is None:
            # Organisation lists read once, notifications handed to the sender once, per request.
            with store.request_scope(), webhooks.one_send_per_request():
                response = view(request, company, *args, **kwargs)
    return _with_limit_headers(provider, response, admission)


def _with_limit_headers(provider, response: HttpResponse, admission) -> HttpResponse:
    # The id support desks ask for: intuit_tid (QBO), Xero-Correlation-Id (Xero).
    trace = "intuit_tid" if provider == Provider.QUICKBOOKS else "Xero-Correlation-Id"
    response[trace] = str(uuid.uuid4())
    if provider == Provider.XERO:
        response["X-MinLimit-Remaining"] = str(admission.remaining.get("minute", 0))
        response["X-DayLimit-Remaining"] = str(admission.remaining.get("day", 0))
        response["X-AppMinLimit-Remaining"] = str(admission.remaining.get("appminute", 0))
    return response


def _injected_fault(provider: str, request: HttpRequest, company: SandboxCompany):
    kind = claim_fault(request, company)
    return _fault_response(provider, kind) if kind is not None else None


def claim_fault(request: HttpRequest, company: SandboxCompany) -> str | None:
    """The kind of the next fault injected for this request, its use claimed; or None."""
    path = request.get_full_path()
    for fault in SandboxFault.objects.filter(company=company, remaining__gt=0).order_by("pk"):
        if fault.path_contains and fault.path_contains not in path:
            continue
        # Claim one use; a concurrent request may have taken the last one.
        claimed = SandboxFault.objects.filter(pk=fault.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
        if claimed:
            return fault.kind
    return None


def _fault_response(provider: str, kind: str) -> HttpResponse:
    if kind == SandboxFault.Kind.THROTTLE:
        return responses.throttled(provider, problem="minute", retry_after=1)
    if kind == SandboxFault.Kind.EXPIRED_TOKEN:
        return responses.unauthorized(provider)
    if kind == SandboxFault.Kind.MALFORMED:
        return responses.malformed(provider)
    if kind == SandboxFault.Kind.TIMEOUT:
        time.sleep(float(getattr(settings, "SANDBOX_FAULT_TIMEOUT_SECONDS", 30)))
        return responses.server_error(provider, 504)
    return responses.server_error(provider, int(kind))


def _log(provider, request, company, response, started) -> None:
    try:
        SandboxRequest.objects.create(
            company=company,
            provider=provider,
            method=request.method,
            path=request.get_full_path()[:500],
            status=response.status_code,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
    except Exception:  # the log must never turn an answer into an error
        logger.exception("Could not log a sandbox request")


def idempotent(
    company: SandboxCompany,
    key: str | None,
    produce: Callable[[], HttpResponse],
    *,
    request_digest: str = "",
    reused: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    """Answer a request carrying an idempotency key (QBO ``requestid``, Xero and Stripe
    ``Idempotency-Key``).

    The first successful (2xx) answer is stored with the work it did, in one transaction; a
    repeat gets that stored answer and nothing is done again. Failures are not stored, so a
    corrected retry with the same key can still succeed. With ``reused``, a repeat whose
    ``request_digest`` differs from the first request's gets ``reused()`` instead."""
    if not key:
        return produce()
    stored = _stored(company, key, request_digest, reused)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            response = produce()
            if 200 <= response.status_code < 300:
                SandboxIdempotentResponse.objects.create(
                    company=company,
                    key=key,
                    request_digest=request_digest,
                    status=response.status_code,
                    body=response.content.decode(),
                    content_type=response.get("Content-Type", "application/json"),
                )
    except IntegrityError:
        # The same key was answered concurrently: our work is rolled back, theirs stands.
        stored = _stored(company, key, request_digest, reused)
        if stored is None:
            raise
        return stored
    return response


def _stored(
    company: SandboxCompany,
    key: str,
    request_digest: str,
    reused: Callable[[], HttpResponse] | None,
) -> HttpResponse | None:
    row = SandboxIdempotentResponse.objects.filter(company=company, key=key).first()
    if row is None:
        return None
    if reused is not None and row.request_digest != request_digest:
        return reused()
    return HttpResponse(row.body, status=row.status, content_type=row.content_type)
