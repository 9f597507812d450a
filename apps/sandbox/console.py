"""The sandbox console: staff see the sandbox companies of every provider and the QBO records,
and can make "a change in QuickBooks" (edit a customer or invoice, record a payment, void)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import store
from .companies import company_create, company_payroll_set
from .models import Provider, SandboxCompany, SandboxRequest
from .quickbooks import console_actions
from .quickbooks.faults import QboFault
from .quickbooks.records import company_zone
from .quickbooks.records import render as render_qbo

LISTED = ("Customer", "Invoice", "Payment", "Estimate", "SalesReceipt", "Item", "TimeActivity")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    companies = SandboxCompany.objects.order_by("provider", "name", "pk")
    return render(
        request,
        "sandbox/index.html",
        {
            "qbo_companies": [c for c in companies if c.provider == Provider.QUICKBOOKS],
            "xero_companies": [c for c in companies if c.provider == Provider.XERO],
            "myob_companies": [c for c in companies if c.provider == Provider.MYOB],
            "stripe_accounts": [c for c in companies if c.provider == Provider.STRIPE],
        },
    )


@login_required
@require_POST
def company_new(request: HttpRequest) -> HttpResponse:
    """A new sandbox company of either provider, seeded like the provider's sample company."""
    provider = request.POST.get("provider", "")
    name = request.POST.get("name", "").strip()
    if provider not in Provider.values or not name:
        messages.error(request, "Choose a provider and give the company a name.")
        return redirect("sandbox:index")
    company = company_create(
        provider=provider,
        name=name[:200],
        country=request.POST.get("country", "US"),
        currency=request.POST.get("currency", ""),
        payroll_enabled=request.POST.get("payroll") == "on",
    )
    messages.success(request, f"Created {company.name} ({company.external_id}).")
    return redirect("sandbox:index")


def _company(external_id: str) -> SandboxCompany:
    return get_object_or_404(SandboxCompany, provider=Provider.QUICKBOOKS, external_id=external_id)


def render_record(company: SandboxCompany, record) -> dict:
    return render_qbo(record, company_zone(company))


def _record(company: SandboxCompany, entity: str, record_id: str):
    record = store.record_get(company=company, entity=entity, record_id=record_id)
    if record is None:
        raise Http404(f"No {entity} {record_id}")
    return record


@login_required
def qbo_company(request: HttpRequest, external_id: str) -> HttpResponse:
    company = _company(external_id)
    sections = []
    for entity in LISTED:
        rows = store.records(company, entity).order_by("-updated_at")[:100]
        sections.append((entity, [_row(render_record(company, row)) for row in rows]))
    recent = SandboxRequest.objects.filter(company=company).order_by("-pk")[:20]
    return render(
        request,
        "sandbox/qbo_company.html",
        {"company": company, "sections": sections, "recent_requests": recent},
    )


def _saved(request: HttpRequest, change) -> bool:
    """Run a console change; QBO's refusal is shown to the person instead of saved."""
    try:
        change()
    except QboFault as fault:
        messages.error(request, fault.error["Detail"])
        return False
    messages.success(request, "Saved in QuickBooks; the connected apps are notified.")
    return True


def _row(data: dict) -> dict:
    """What the list shows for one record, whatever its entity."""
    label = (
        data.get("DisplayName")
        or data.get("Name")
        or " · ".join(
            part
            for part in (data.get("DocNumber"), (data.get("CustomerRef") or {}).get("name"))
            if part
        )
        or data.get("TxnDate", "")
    )
    return {"data": data, "label": label}


@login_required
@require_POST
def qbo_company_payroll(request: HttpRequest, external_id: str) -> HttpResponse:
    company = _company(external_id)
    enabled = request.POST.get("payroll") == "on"
    company_payroll_set(company=company, enabled=enabled)
    messages.success(request, f"QuickBooks Payroll is {'on' if enabled else 'off'}.")
    return redirect("sandbox:qbo_console_company", external_id)


@login_required
def qbo_customer(request: HttpRequest, external_id: str, record_id: str) -> HttpResponse:
    company = _company(external_id)
    record = _record(company, "Customer", record_id)
    if request.method == "POST" and _saved(
        request,
        lambda: console_actions.customer_edit(company=company, record=record, form=request.POST),
    ):
        return redirect("sandbox:qbo_console_customer", external_id, record_id)
    return render(
        request,
        "sandbox/qbo_customer.html",
        {"company": company, "customer": render_record(company, record)},
    )


@login_required
def qbo_invoice(request: HttpRequest, external_id: str, record_id: str) -> HttpResponse:
    company = _company(external_id)
    record = _record(company, "Invoice", record_id)
    if request.method == "POST" and _saved(
        request,
        lambda: console_actions.invoice_edit(company=company, record=record, form=request.POST),
    ):
        return redirect("sandbox:qbo_console_invoice", external_id, record_id)
    invoice = render_record(company, record)
    return render(
        request,
        "sandbox/qbo_invoice.html",
        {
            "company": company,
            "invoice": invoice,
            "lines": list(enumerate(invoice.get("Line") or [])),
            "methods": [render_record(company, m) for m in store.records(company, "PaymentMethod")],
            "voided": bool(record.data.get("_voided")),
        },
    )


@login_required
@require_POST
def qbo_invoice_payment(request: HttpRequest, external_id: str, record_id: str) -> HttpResponse:
    company = _company(external_id)
    record = _record(company, "Invoice", record_id)
    try:
        amount = Decimal(request.POST.get("amount") or str(record.data.get("Balance", 0)))
    except InvalidOperation:
        messages.error(request, "The amount must be a number.")
    else:
        method = request.POST.get("method", "")
        _saved(
            request,
            lambda: console_actions.invoice_pay(
                company=company, record=record, amount=amount, method_id=method
            ),
        )
    return redirect("sandbox:qbo_console_invoice", external_id, record_id)


@login_required
@require_POST
def qbo_invoice_void(request: HttpRequest, external_id: str, record_id: str) -> HttpResponse:
    company = _company(external_id)
    record = _record(company, "Invoice", record_id)
    _saved(request, lambda: console_actions.invoice_void(company=company, record=record))
    return redirect("sandbox:qbo_console_invoice", external_id, record_id)
