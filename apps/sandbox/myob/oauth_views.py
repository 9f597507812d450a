"""MYOB's OAuth 2: the consent page (secure.myob.com/oauth2/account/authorize) and the token
endpoint (secure.myob.com/oauth2/v1/authorize, POST).

After consent MYOB sends the person back with ``code``, ``state``, ``businessId`` (the company
file's id) and ``businessName`` (apisupport.myob.com, "Retrieving Company File GUIDs via MYOB API
Post March 2025"); the code "expires in 2-5 minutes" (developer.myob.com, Authentication). The
token endpoint takes client_id, client_secret, code, redirect_uri and grant_type as form fields,
and grant_type=refresh_token with the refresh token; each refresh hands out a new refresh token
and the old one is spent. Access tokens last 20 minutes ("expires_in": "1200").
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.sandbox import oauth
from apps.sandbox.apps_registry import app_for_client, redirect_uri_allowed
from apps.sandbox.companies import companies_for, company_create
from apps.sandbox.models import Provider, SandboxGrant
from apps.sandbox.oauth_views import (
    _oauth_error,
    _oauth_params,
    _redirect_with,
    granted_tokens,
)

# MYOB codes live 2 to 5 minutes; the sandbox gives the longer.
CODE_SECONDS = 300
COUNTRIES = [("AU", "Australia"), ("NZ", "New Zealand")]


@csrf_exempt
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    params = _oauth_params(request)
    app = app_for_client(Provider.MYOB, params["client_id"])
    if app is None:
        return HttpResponseBadRequest("Unknown client_id.")
    if not redirect_uri_allowed(app, params["redirect_uri"]):
        return HttpResponseBadRequest("redirect_uri does not match the one registered.")
    if params["response_type"] != "code":
        # "this should always be code as MYOB authentication services don't accept other
        # response types" (apisupport.myob.com, End-User Authentication with OAuth2.0).
        return _redirect_with(
            params["redirect_uri"], {"error": "unsupported_response_type", "state": params["state"]}
        )
    if request.method == "GET":
        return _consent(request, app, params)
    if request.POST.get("action") != "approve":
        return _redirect_with(
            params["redirect_uri"], {"error": "access_denied", "state": params["state"]}
        )
    company = _chosen(request)
    if company is None:
        return _consent(request, app, params, error="Choose a company file, or name a new one.")
    grant = oauth.grant_create(
        app=app, company=company, redirect_uri=params["redirect_uri"], scope=params["scope"]
    )
    SandboxGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() + timedelta(seconds=CODE_SECONDS)
    )
    answer = {
        "code": grant.code,
        "scope": params["scope"],
        "state": params["state"],
        "businessId": company.external_id,
        "businessName": company.name,
    }
    return _redirect_with(params["redirect_uri"], answer)


def _consent(request, app, params, error: str = "") -> HttpResponse:
    context = {
        "app": app,
        "params": params,
        "companies": companies_for(Provider.MYOB),
        "countries": COUNTRIES,
        "scopes": params["scope"].split(),
        "error": error,
    }
    return render(request, "sandbox/myob/authorize.html", context, status=400 if error else 200)


def _chosen(request: HttpRequest):
    name = request.POST.get("new_company_name", "").strip()
    if name:
        country = request.POST.get("country", "AU")
        country = country if country in dict(COUNTRIES) else "AU"
        return company_create(provider=Provider.MYOB, name=name[:200], country=country)
    return companies_for(Provider.MYOB).filter(external_id=request.POST.get("company", "")).first()


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    """The token endpoint: credentials as form fields, as MYOB's documentation sends them."""
    try:
        app = oauth.authenticate_client(
            app_for_client(Provider.MYOB, request.POST.get("client_id", "")),
            request.POST.get("client_secret", ""),
        )
        tokens = granted_tokens(request, app)
    except oauth.OAuthError as error:
        return _oauth_error(error)
    return JsonResponse(token_json(tokens.token))


def token_json(token) -> dict:
    """MYOB's token answer: expires_in as text, and the my.MYOB user who consented."""
    return {
        "access_token": token.access_token,
        "token_type": "bearer",
        "expires_in": str(oauth.access_lifetime(Provider.MYOB)),
        "refresh_token": token.refresh_token,
        "scope": token.scope,
        "user": {
            "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"myob-user/{token.company.external_id}")),
            "username": "sandbox.admin@example.com.au",
        },
    }
