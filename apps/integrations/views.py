"""Settings → Integrations, each integration's settings, Invoice / Quote Settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.common.access import get_for_organisation, organisation_of

from . import registry, services
from .forms import DocumentTogglesForm, IntegrationSettingsForm
from .mapping_pages import mapping_page
from .models import Integration
from .selectors import (
    integration_cards,
    integration_with_latest_run,
    integrations_with_latest_run,
)

DOCUMENT_PAGES = {
    "invoices": {"title": "Invoice Settings", "noun": "invoices"},
    "quotes": {"title": "Quote Settings", "noun": "quotes"},
}


def integration_for(request: HttpRequest, pk: int) -> Integration:
    return get_for_organisation(Integration.objects.all(), request, pk=pk)


def provider_or_404(provider: str) -> str:
    if provider not in registry.PROVIDERS:
        raise Http404("Unknown provider")
    return provider


@login_required
def index(request: HttpRequest) -> HttpResponse:
    cards = integration_cards(organisation_of(request))
    return render(request, "integrations/index.html", {"cards": cards})


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest, pk: int) -> HttpResponse:
    integration = integration_for(request, pk)
    form = IntegrationSettingsForm(request.POST or None, instance=integration)
    if request.method == "POST" and form.is_valid():
        services.integration_settings_update(
            integration=integration,
            values={name: form.cleaned_data[name] for name in form.changed_data},
        )
        messages.success(request, f"Settings for {integration} saved.")
        return redirect("integrations:settings", pk=integration.pk)
    return render(request, "integrations/settings.html", settings_context(integration, form))


def settings_context(integration: Integration, form, **mapping) -> dict:
    """What the settings page shows; ``mapping``: the mapping section's page (with the posted
    choices) and errors when its form was refused (apps.integrations.mapping_views)."""
    row = integration_with_latest_run(integration)
    return {
        "integration": row,
        "form": form,
        "capabilities": registry.capabilities_of(row),
        "time_activity_providers": registry.display_names_where(lambda c: c.time_activities),
        "mapping": mapping.get("page") or mapping_page(integration),
        "mapping_errors": mapping.get("errors", []),
    }


@login_required
@require_http_methods(["GET", "POST"])
def disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    integration = integration_for(request, pk)
    if integration.status == Integration.Status.DISCONNECTED:
        messages.info(request, f"{integration} is already disconnected.")
        return redirect("integrations:index")
    if request.method == "POST":
        services.integration_disconnect(integration=integration)
        messages.success(
            request,
            f"{integration} is disconnected. Its records and links are kept; reconnect the same "
            "company to resume syncing.",
        )
        return redirect("integrations:index")
    return render(request, "integrations/disconnect.html", {"integration": integration})


def _document_rows(organisation) -> list[Integration]:
    queryset = Integration.objects.filter(organisation=organisation).exclude(
        status=Integration.Status.DISCONNECTED
    )
    return integrations_with_latest_run(queryset)


@login_required
@require_http_methods(["GET", "POST"])
def document_settings(request: HttpRequest, kind: str) -> HttpResponse:
    """Invoice Settings / Quote Settings: a Sync to / Sync from pair per integration, saved on
    click with htmx and as a plain form post without JavaScript."""
    organisation = organisation_of(request)
    page = DOCUMENT_PAGES[kind]
    template = "integrations/document_settings.html"
    context = {
        "kind": kind,
        "page": page,
        "to_field": f"{kind}_sync_to",
        "from_field": f"{kind}_sync_from",
    }
    if request.method == "POST":
        form = DocumentTogglesForm(request.POST)
        if not form.is_valid():
            return HttpResponse("Invalid toggle.", status=400)
        integration = integration_for(request, form.cleaned_data["integration"])
        if integration.status == Integration.Status.DISCONNECTED:
            raise Http404("Disconnected")
        services.integration_document_toggles_update(
            integration=integration,
            kind=kind,
            sync_to=form.cleaned_data["sync_to"],
            sync_from=form.cleaned_data["sync_from"],
        )
        if request.htmx:
            row = integration_with_latest_run(integration)
            return render(
                request,
                f"{template}#integration-row",
                {**context, "integration": row, "saved": True},
            )
        messages.success(request, f"{page['title']} for {integration} saved.")
        return redirect(request.path)
    return render(request, template, {**context, "integrations": _document_rows(organisation)})


def invoice_settings(request: HttpRequest) -> HttpResponse:
    return document_settings(request, "invoices")


def quote_settings(request: HttpRequest) -> HttpResponse:
    return document_settings(request, "quotes")
