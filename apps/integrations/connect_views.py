"""Connect: the OAuth 2 round trip to a provider and back.

Nothing is stored until every check has passed; a refused or failed attempt revokes whatever the
provider handed out, so no half-connected integration is left behind.
"""

from __future__ import annotations

import hmac

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.common.access import organisation_of

from . import registry, services
from .companies import CompanyUnavailable
from .models import Integration
from .oauth import OAuthFailure, authorization_finish, authorization_start
from .services import ConnectRefused
from .views import provider_or_404


def _session_key(provider: str) -> str:
    return f"integrations:oauth:{provider}"


def refused(request: HttpRequest, provider: str, message: str, advice: str) -> HttpResponse:
    """The page every failed or refused connection ends on: what happened, what to do."""
    label = registry.provider(provider).display_name
    context = {
        "provider_label": label,
        "headline": f"{label} was not connected",
        "message": message,
        "advice": advice,
        "connect_url": reverse("integrations:connect", args=[provider]),
    }
    return render(request, "integrations/connect_refused.html", context, status=400)


@login_required
def connect(request: HttpRequest, provider: str) -> HttpResponse:
    provider_or_404(provider)
    organisation_of(request)
    redirect_uri = request.build_absolute_uri(reverse("integrations:callback", args=[provider]))
    try:
        started = authorization_start(registry.provider(provider).oauth, redirect_uri=redirect_uri)
    except OAuthFailure as exc:
        return refused(
            request,
            provider,
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
    organisation = organisation_of(request)
    # One use only: a replayed or second answer finds no state.
    pending = request.session.pop(_session_key(provider), None)
    try:
        integration = _connect_from_answer(request.GET, provider, organisation, pending)
    except ConnectRefused as exc:
        return refused(request, provider, exc.message, exc.advice)
    messages.success(request, f"{integration} is connected.")
    return redirect("integrations:index")


def _check_answer(params: QueryDict, pending: dict | None, label: str) -> None:
    start_again = f"Start again from Settings → Integrations with Connect for {label}."
    if params.get("error"):
        if params["error"] == "access_denied":
            happened = "You declined access on the provider's consent page."
        else:
            happened = f"{label} answered with an error ({params['error']})."
        raise ConnectRefused(
            happened, f"Click Connect again and approve access to connect {label}."
        )
    state = params.get("state", "")
    if not pending or not state or not hmac.compare_digest(state, pending.get("state", "")):
        raise ConnectRefused(
            "This sign-in answer does not belong to a connection started from this browser "
            "session (its state is missing or does not match), so it was ignored.",
            start_again,
        )
    if not params.get("code"):
        raise ConnectRefused(f"{label} sent no authorization code.", start_again)


def _connect_from_answer(
    params: QueryDict, provider: str, organisation, pending: dict | None
) -> Integration:
    """Check the provider's answer, fetch tokens, read the company, store the connection.
    Tokens of a refused company are revoked again, so nothing is left half-connected."""
    entry = registry.provider(provider)
    label = entry.display_name
    _check_answer(params, pending, label)
    try:
        tokens = authorization_finish(
            entry.oauth,
            redirect_uri=pending["redirect_uri"],
            code=params["code"],
            code_verifier=pending.get("code_verifier", ""),
        )
    except OAuthFailure as exc:
        raise ConnectRefused(
            f"Exchanging the authorization for access failed: {exc.message}",
            f"Click Connect to try again. If it keeps failing, check the {label} client id "
            "and secret.",
        ) from exc
    try:
        company = entry.company_reader(access_token=tokens.access_token, callback_params=params)
        return services.integration_connect(
            organisation=organisation, provider=provider, company=company, tokens=tokens
        )
    except CompanyUnavailable as exc:
        entry.oauth.revoke(tokens.refresh_token)
        raise ConnectRefused(
            f"The company you approved could not be read: {exc.message}",
            f"Check that the company still exists and that you have access to it in {label}, "
            "then click Connect again.",
        ) from exc
    except ConnectRefused:
        entry.oauth.revoke(tokens.refresh_token)
        raise
