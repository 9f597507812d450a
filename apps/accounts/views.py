from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.common.access import organisation_of
from apps.common.forms import apply_errors

from .forms import OrganisationSettingsForm
from .services import organisation_settings_update


@login_required
def organisation_settings(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)
    initial = {
        "default_tax_rate": organisation.default_tax_rate,
        "time_zone": organisation.time_zone,
    }
    form = OrganisationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            organisation_settings_update(organisation=organisation, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Organisation settings saved.")
            return redirect("organisation_settings")
    context = {"form": form, "organisation": organisation}
    return render(request, "accounts/settings.html", context)
