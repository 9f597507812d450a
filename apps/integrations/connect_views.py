"""Connect: the OAuth 2 round trip to a provider and back (issue 4, items 1 and 5).

Nothing is stored until every check has passed; a refused or failed attempt revokes whatever the
provider handed out, so no half-connected integration is left behind.
"""

from __future__ import annotations

import hmac
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from . import services
from .companies import CompanyUnavailable, company_read
from .models import Provider
from .oauth import OAuthFailure, authorization_finish, authorization_start, token_revoke_at_provider
from .views import organisation_for, provider_or_404

logger = logging.getLogger(__name__)


def _session_key(provider: str) -> str:
    return f"integrations:oauth:{provider}"


def refused(
    request: HttpRequest, provider: str, headline: str, message: str, advice: str
) -> HttpResponse:
    context = {
        "provider_label": Provider(provider).label,
        "headline": headline,
        "message": message,
        "advice": advice,
        "connect_url": reverse("integrations:connect", args=[provider]),
    }
    return render(request, "integrations/connect_refused.html", context, status=400)


@login_required
def connect(request: HttpRequest, provider: str) -> HttpResponse:
    provider_or_404(provider)
    organisation_for(request)
    redirect_uri = request.build_absolute_uri(reverse("integrations:callback", args=[provider]))
    try:
        started = authorization_start(provider=provider, redirect_uri=redirect_uri)
    except OAuthFailure as exc:
        return refused(
            request,
            provider,
            f"{Provider(provider).label} could not be reached",
            exc.message,
            "Try again in a few minutes; if it keeps failing, check the provider settings.",
        )
    request.session[_session_key(provider)] = {
        "state": started.state,
        "code_verifier": started.code_verifier,
        "redirect_uri": redirect_uri,
    }
    return redirect(started.url)


@login_required
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    provider_or_404(provider)
    organisation = organisation_for(request)
    label = Provider(provider).label
    pending = request.session.pop(_session_key(provider), None)
    params = request.GET
    if params.get("error"):
        denied = params["error"] == "access_denied"
        return refused(
            request,
            provider,
            f"{label} was not connected",
            "You declined access on the provider's consent page."
            if denied
            else f"{label} answered with an error ({params['error']}).",
            f"Click Connect again and approve access to connect {label}.",
        )
    state = params.get("state", "")
    if not pending or not state or not hmac.compare_digest(state, pending.get("state", "")):
        return refused(
            request,
            provider,
            f"{label} was not connected",
            "This sign-in answer does not belong to a connection started from this browser "
            "session (its state is missing or does not match), so it was ignored.",
            f"Start again from Settings → Integrations with Connect for {label}.",
        )
    if not params.get("code"):
        return refused(
            request,
            provider,
            f"{label} was not connected",
            f"{label} sent no authorization code.",
            f"Start again from Settings → Integrations with Connect for {label}.",
        )
    try:
        tokens = authorization_finish(
            provider=provider,
            redirect_uri=pending["redirect_uri"],
            code=params["code"],
            code_verifier=pending.get("code_verifier", ""),
        )
    except OAuthFailure as exc:
        return refused(
            request,
            provider,
            f"{label} was not connected",
            f"Exchanging the authorization for access failed: {exc.message}",
            f"Click Connect to try again. If it keeps failing, check the {label} client id "
            "and secret.",
        )
    try:
        company = company_read(
            provider=provider, access_token=tokens.access_token, callback_params=params
        )
        integration = services.integration_connect(
            organisation=organisation, provider=provider, company=company, tokens=tokens
        )
    except CompanyUnavailable as exc:
        token_revoke_at_provider(provider=provider, refresh_token=tokens.refresh_token)
        return refused(
            request,
            provider,
            f"{label} was not connected",
            f"The company you approved could not be read: {exc.message}",
            f"Check that the company still exists and that you have access to it in {label}, "
            "then click Connect again.",
        )
    except services.ConnectRefused as exc:
        token_revoke_at_provider(provider=provider, refresh_token=tokens.refresh_token)
        return refused(request, provider, f"{label} was not connected", exc.message, exc.advice)
    messages.success(request, f"{integration} is connected.")
    return redirect("integrations:index")
