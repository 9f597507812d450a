"""Connect: what connecting will do and the choices for it, the OAuth 2 round trip to a
provider and back, then a preview of the first sync and Start (docs/sync-rules.md,
"Connecting, disconnecting, reconnecting").

Nothing is stored until every check has passed; a refused or failed attempt revokes whatever the
provider handed out, so no half-connected integration is left behind. The choices travel in the
session beside the OAuth state and are applied when the connection is stored.
"""

from __future__ import annotations

import hmac

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.common.access import organisation_of

from . import registry, services
from .companies import CompanyUnavailable
from .first_sync import first_sync_preview
from .forms import ConnectOptionsForm
from .models import Integration
from .oauth import OAuthFailure, authorization_finish, authorization_start
from .services import ConnectRefused
from .views import integration_for, provider_or_404


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


def _options_form(request: HttpRequest, provider: str) -> ConnectOptionsForm:
    """Reconnecting starts from the integration's current choices, a new one from the
    defaults."""
    organisation = organisation_of(request)
    instance = Integration.objects.filter(organisation=organisation, provider=provider).first()
    instance = instance or Integration(organisation=organisation, provider=provider)
    return ConnectOptionsForm(request.POST or None, instance=instance)


@login_required
@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest, provider: str) -> HttpResponse:
    """GET: what connecting will do, with the choices. POST: off to the consent page."""
    provider_or_404(provider)
    form = _options_form(request, provider)
    if request.method == "POST" and form.is_valid():
        return _authorize(request, provider, form.options())
    context = {
        "provider": provider,
        "provider_label": registry.provider(provider).display_name,
        "form": form,
        "reconnect": form.instance.pk is not None,
    }
    return render(request, "integrations/connect.html", context)


def _authorize(request: HttpRequest, provider: str, options: dict) -> HttpResponse:
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
        "options": options,
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
    if integration.waiting_for_start:
        return redirect("integrations:first_sync", pk=integration.pk)
    return redirect("integrations:index")


@login_required
def first_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """What the first sync will bring in and send out, and Start."""
    integration = integration_for(request, pk)
    if not (integration.waiting_for_start and integration.is_connected):
        return redirect("integrations:index")
    context = {
        "integration": integration,
        "provider_label": registry.provider(integration.provider).display_name,
        "preview": first_sync_preview(integration),
    }
    return render(request, "integrations/connect_preview.html", context)


@login_required
@require_POST
def first_sync_start(request: HttpRequest, pk: int) -> HttpResponse:
    integration = integration_for(request, pk)
    if integration.waiting_for_start and integration.is_connected:
        services.integration_first_sync_start(integration=integration)
        messages.success(request, f"The first sync of {integration} has started.")
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
            organisation=organisation,
            provider=provider,
            company=company,
            tokens=tokens,
            options=pending.get("options") or {},
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
