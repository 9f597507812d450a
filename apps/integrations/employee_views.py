"""The Employee mapping page of an integration whose provider records time activities
(docs/sync-rules.md, "Timesheets")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.timesheets.models import TeamMember

from .employees import (
    EmployeeMappingForm,
    employee_mappings_of,
    employee_mappings_update,
    remote_employees,
)
from .registry import capabilities_of
from .views import integration_for


@login_required
@require_http_methods(["GET", "POST"])
def employees(request: HttpRequest, pk: int) -> HttpResponse:
    integration = integration_for(request, pk)
    if not capabilities_of(integration).time_activities:
        raise Http404(f"{integration.get_provider_display()} records no time activities.")
    found, error = remote_employees(integration=integration)
    members = TeamMember.objects.filter(organisation=integration.organisation, active=True)
    initial = {f"member_{k}": v for k, v in employee_mappings_of(integration).items()}
    form = EmployeeMappingForm(
        request.POST or None, members=members, employees=found, initial=initial
    )
    if request.method == "POST" and not error and form.is_valid():
        try:
            mapped = employee_mappings_update(
                integration=integration, choices=form.choices(), employees=found
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Employee mapping saved: {mapped} team members mapped.")
            return redirect("integrations:employees", pk=integration.pk)
    context = {"integration": integration, "form": form, "error": error}
    return render(request, "integrations/employees.html", context)
