"""The Xero part of the sandbox console."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from apps.sandbox.models import Provider, SandboxCompany


@login_required
def tenant(request: HttpRequest, tenant: str) -> HttpResponse:
    company = get_object_or_404(SandboxCompany, provider=Provider.XERO, external_id=tenant)
    return render(request, "sandbox/xero/tenant.html", {"company": company})
