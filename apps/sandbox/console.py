"""The sandbox console: staff see the sandbox companies of both providers and their records."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Provider, SandboxCompany


@login_required
def index(request: HttpRequest) -> HttpResponse:
    companies = SandboxCompany.objects.order_by("provider", "name", "pk")
    return render(
        request,
        "sandbox/index.html",
        {
            "qbo_companies": [c for c in companies if c.provider == Provider.QUICKBOOKS],
            "xero_companies": [c for c in companies if c.provider == Provider.XERO],
        },
    )


@login_required
def qbo_company(request: HttpRequest, external_id: str) -> HttpResponse:
    company = get_object_or_404(
        SandboxCompany, provider=Provider.QUICKBOOKS, external_id=external_id
    )
    return render(request, "sandbox/qbo_company.html", {"company": company})
