"""The account and tax mapping section of an integration's settings page (docs/mapping.md):
saving it, and reading the ledger's chart of accounts again (Refresh)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .forms import IntegrationSettingsForm
from .mapping_pages import chart_or_error, mapping_page, mapping_save
from .views import integration_for, settings_context

ANCHOR = "#account-mapping"


def _back(integration) -> HttpResponse:
    return redirect(reverse("integrations:settings", args=[integration.pk]) + ANCHOR)


@login_required
@require_POST
def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the mapping. Refused choices are listed on the page, every choice posted kept, and
    nothing saved (status 400)."""
    integration = integration_for(request, pk)
    chart, error = chart_or_error(integration)
    if chart is None:
        messages.error(request, error)
        return _back(integration)
    try:
        changed = mapping_save(integration=integration, data=request.POST, chart=chart)
    except ValidationError as exc:
        page = mapping_page(integration)
        page.keep_posted(request.POST)
        context = settings_context(
            integration,
            IntegrationSettingsForm(instance=integration),
            page=page,
            errors=exc.messages,
        )
        return render(request, "integrations/settings.html", context, status=400)
    if changed:
        messages.success(request, f"Mapping saved: {', '.join(changed)}.")
    else:
        messages.info(request, "The mapping is unchanged.")
    return _back(integration)


@login_required
@require_POST
def mapping_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the chart of accounts and tax codes from the ledger again."""
    integration = integration_for(request, pk)
    chart, error = chart_or_error(integration, refresh=True)
    if chart is None:
        messages.error(request, error)
    else:
        messages.success(
            request,
            f"Read {len(chart.accounts)} accounts and {len(chart.codes)} tax codes "
            f"from {integration.get_provider_display()}.",
        )
    return _back(integration)
