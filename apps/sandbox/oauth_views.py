"""OAuth endpoints of both sandboxes: QBO's discovery document, the consent page, the token,
revocation and (Xero) connections endpoints."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from urllib.parse import urlencode

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import oauth
from .apps_registry import app_for_client, redirect_uri_allowed
from .companies import companies_for, company_create
from .models import Provider, SandboxApp, SandboxCompany, SandboxToken

OAUTH_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


@require_GET
def qbo_discovery(request: HttpRequest) -> JsonResponse:
    base = request.build_absolute_uri("/sandbox/quickbooks")
    return JsonResponse(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth2/authorize",
            "token_endpoint": f"{base}/oauth2/tokens/bearer",
            "revocation_endpoint": f"{base}/oauth2/revoke",
            "userinfo_endpoint": f"{base}/oauth2/userinfo",
            "jwks_uri": f"{base}/oauth2/keys",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "scopes_supported": ["com.intuit.quickbooks.accounting", "openid", "profile", "email"],
        }
    )


@require_GET
def qbo_keys(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": []})


@require_GET
def qbo_userinfo(request: HttpRequest) -> JsonResponse:
    token = _bearer_token(request)
    if token is None:
        return JsonResponse({"error": "invalid_token"}, status=401)
    return JsonResponse(
        {"sub": oauth.connection_id(token.app, token.company), "email_verified": True}
    )


def _oauth_params(request: HttpRequest) -> dict[str, str]:
    # The form posts back to the same URL, so the parameters may be in either place.
    return {name: request.POST.get(name) or request.GET.get(name, "") for name in OAUTH_FIELDS}


def _redirect_with(uri: str, params: dict[str, str]) -> HttpResponse:
    separator = "&" if "?" in uri else "?"
    # A plain redirect: the target is an outside URL, never a view name to reverse.
    query = urlencode({k: v for k, v in params.items() if v})
    return HttpResponseRedirect(f"{uri}{separator}{query}")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest, provider: str) -> HttpResponse:
    """The consent page: pick or create a company, then approve or deny."""
    params = _oauth_params(request)
    app = app_for_client(provider, params["client_id"])
    if app is None:
        return HttpResponseBadRequest("Unknown client_id.")
    if not redirect_uri_allowed(app, params["redirect_uri"]):
        return HttpResponseBadRequest("redirect_uri is not registered for this app.")
    if params["response_type"] and params["response_type"] != "code":
        return _redirect_with(
            params["redirect_uri"], {"error": "unsupported_response_type", "state": params["state"]}
        )
    if request.method == "GET":
        return render(
            request,
            "sandbox/authorize.html",
            {"app": app, "params": params, "companies": companies_for(provider)},
        )
    if request.POST.get("action") != "approve":
        return _redirect_with(
            params["redirect_uri"], {"error": "access_denied", "state": params["state"]}
        )
    company = _chosen_company(request, provider)
    # Xero's consent page lets the person tick several organisations for one token.
    tenants = _more_tenants(request, provider)
    if company is None:
        return render(
            request,
            "sandbox/authorize.html",
            {
                "app": app,
                "params": params,
                "companies": companies_for(provider),
                "error": "Pick a company or give the new one a name.",
            },
            status=400,
        )
    grant = oauth.grant_create(
        app=app,
        company=company,
        redirect_uri=params["redirect_uri"],
        scope=params["scope"],
        code_challenge=params["code_challenge"],
        code_challenge_method=params["code_challenge_method"],
        tenants=tenants,
    )
    answer = {"code": grant.code, "state": params["state"]}
    if provider == Provider.QUICKBOOKS:
        answer["realmId"] = company.external_id
    return _redirect_with(params["redirect_uri"], answer)


def _chosen_company(request: HttpRequest, provider: str):
    # A typed new name wins over the pre-selected existing company.
    name = request.POST.get("new_company_name", "").strip()
    if not name:
        # Xero ticks may name several; the first is the token's own (QueryDict.get is the last).
        external_id = (request.POST.getlist("company") or [""])[0]
        return companies_for(provider).filter(external_id=external_id).first()
    return company_create(
        provider=provider,
        name=name,
        country=request.POST.get("country", "US"),
        currency=request.POST.get("currency", ""),
        # An HTML checkbox left unticked is simply not sent: no "payroll" means no Payroll.
        payroll_enabled=request.POST.get("payroll", "") not in ("", "off", "0", "false"),
    )


def _more_tenants(request: HttpRequest, provider: str) -> list[SandboxCompany]:
    # A typed new name wins over the pre-ticked boxes, as in _chosen_company.
    if provider != Provider.XERO or request.POST.get("new_company_name", "").strip():
        return []
    # Every ticked box; the token's own company among them is not repeated (oauth.grant_create).
    ticked = [value for value in request.POST.getlist("company") if value]
    found = companies_for(provider).filter(external_id__in=ticked)
    return sorted(found, key=lambda company: ticked.index(company.external_id))


def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _oauth_error(error: oauth.OAuthError) -> JsonResponse:
    body = {"error": error.error}
    if error.description:
        body["error_description"] = error.description
    return JsonResponse(body, status=error.status)


@csrf_exempt
@require_POST
def token(request: HttpRequest, provider: str) -> JsonResponse:
    client_id, secret = _client_credentials(request)
    # Xero's PKCE apps are public clients: they send their id and no secret.
    public = provider == Provider.XERO and not secret
    try:
        app = app_for_client(provider, client_id)
        if not (public and app is not None):
            app = oauth.authenticate_client(app, secret)
        tokens = granted_tokens(request, app, public=public)
    except oauth.OAuthError as error:
        return _oauth_error(error)
    return JsonResponse(tokens.as_json())


def granted_tokens(request: HttpRequest, app: SandboxApp, *, public: bool = False):
    """The token pair a token request's grant (authorization_code or refresh_token) earns."""
    grant_type = request.POST.get("grant_type", "")
    if grant_type == "authorization_code":
        return oauth.exchange_code(
            app=app,
            code=request.POST.get("code", ""),
            redirect_uri=request.POST.get("redirect_uri", ""),
            code_verifier=request.POST.get("code_verifier", ""),
            public=public,
        )
    if grant_type == "refresh_token":
        return oauth.refresh(app=app, refresh_token=request.POST.get("refresh_token", ""))
    raise oauth.OAuthError("unsupported_grant_type")


@csrf_exempt
@require_POST
def revoke(request: HttpRequest, provider: str) -> HttpResponse:
    client_id, secret = _client_credentials(request)
    try:
        app = oauth.authenticate_client(app_for_client(provider, client_id), secret)
    except oauth.OAuthError as error:
        return _oauth_error(error)
    value = request.POST.get("token", "")
    if not value and request.body:
        try:
            value = json.loads(request.body).get("token", "")
        except (ValueError, AttributeError):
            value = ""
    oauth.revoke(app=app, token=value)
    return HttpResponse(status=200)


def _bearer_token(request: HttpRequest) -> SandboxToken | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = oauth.token_for_access(header[7:].strip())
    if token is None or token.access_expires_at < timezone.now():
        return None
    return token


def _connection_json(app: SandboxApp, token: SandboxToken, company: SandboxCompany) -> dict:
    tokens = SandboxToken.objects.filter(app=app, company=token.company).order_by("created_at")
    first = tokens.first() or token
    return {
        "id": oauth.connection_id(app, company),
        "authEventId": str(uuid.uuid5(uuid.NAMESPACE_OID, f"{app.client_id}/{first.pk}")),
        "tenantId": company.external_id,
        "tenantType": "ORGANISATION",
        "tenantName": company.name,
        "createdDateUtc": first.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
        "updatedDateUtc": token.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
    }


def _granted_companies(token: SandboxToken) -> list[SandboxCompany]:
    ids = oauth.granted_tenant_ids(token)
    found = {c.external_id: c for c in companies_for(Provider.XERO).filter(external_id__in=ids)}
    return [found[tenant_id] for tenant_id in ids if tenant_id in found]


@csrf_exempt
@require_http_methods(["GET"])
def xero_connections(request: HttpRequest) -> JsonResponse:
    """Every tenant the token was granted and that is still connected, in the order granted.
    https://developer.xero.com/documentation/guides/oauth2/tenants"""
    token = _bearer_token(request)
    if token is None or token.app.provider != Provider.XERO:
        return JsonResponse({"Title": "Unauthorized", "Status": 401}, status=401)
    companies = _granted_companies(token)
    return JsonResponse([_connection_json(token.app, token, c) for c in companies], safe=False)


@csrf_exempt
@require_http_methods(["DELETE"])
def xero_connection_delete(request: HttpRequest, connection_id: str) -> HttpResponse:
    token = _bearer_token(request)
    if token is None or token.app.provider != Provider.XERO:
        return JsonResponse({"Title": "Unauthorized", "Status": 401}, status=401)
    companies = _granted_companies(token)
    chosen = [c for c in companies if oauth.connection_id(token.app, c) == connection_id.lower()]
    if not chosen:
        return JsonResponse({"Title": "Not Found", "Status": 404}, status=404)
    oauth.connection_delete(app=token.app, company=chosen[0])
    return HttpResponse(status=204)
