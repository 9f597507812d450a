from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.common.access import organisation_of

from .selectors import dashboard_summary


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.user.organisation_id is None:
        # e.g. a superuser made with createsuperuser: say why every page is empty to them.
        return render(request, "home/no_organisation.html", status=403)
    summary = dashboard_summary(organisation=organisation_of(request))
    return render(request, "home/dashboard.html", {"summary": summary})
