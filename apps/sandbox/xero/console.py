"""The Xero part of the sandbox console: a tenant's records, and the changes a person would make
in Xero itself (edit a contact or invoice, record a payment, void an invoice).

Every change goes through ``writes.write_one``, the code the API uses, so versions bump,
UpdatedDateUTC moves and webhooks fire exactly as for an API call.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.sandbox import store
from apps.sandbox.models import Provider, SandboxCompany

from . import entities
from .errors import Invalid
from .formats import parse_day
from .writes import KINDS, write_one

CONTACT_STATUSES = [("ACTIVE", "Active"), ("ARCHIVED", "Archived")]
INVOICE_STATUSES = [
    (s, s.title()) for s in ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
]


class ContactForm(forms.Form):
    Name = forms.CharField(max_length=255)
    FirstName = forms.CharField(max_length=255, required=False)
    LastName = forms.CharField(max_length=255, required=False)
    EmailAddress = forms.CharField(max_length=255, required=False, label="E-mail address")
    ContactStatus = forms.ChoiceField(choices=CONTACT_STATUSES, label="Status")


class InvoiceForm(forms.Form):
    Reference = forms.CharField(max_length=255, required=False)
    DueDate = forms.DateField(required=False, label="Due date")
    Status = forms.ChoiceField(choices=INVOICE_STATUSES)


class PaymentForm(forms.Form):
    Amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0.01)
    Date = forms.DateField(initial=timezone.localdate)
    Reference = forms.CharField(max_length=255, required=False)


def _company(tenant: str) -> SandboxCompany:
    return get_object_or_404(SandboxCompany, provider=Provider.XERO, external_id=tenant)


def _record(company: SandboxCompany, entity: str, record_id: str) -> dict[str, Any]:
    record = entities.get(company, entity, record_id)
    if record is None:
        raise Http404
    return KINDS[entity].present(company, record)


def _apply(company: SandboxCompany, entity: str, element: dict, path_id: str | None) -> list[str]:
    """Write one change as the API would; the refusal messages, or [] when it was saved."""
    try:
        with transaction.atomic():
            write_one(company, KINDS[entity], element, path_id=path_id)
    except Invalid as refused:
        return refused.messages
    return []


def _day(value: object) -> Any:
    return parse_day(value) if value else None


def _listing(company: SandboxCompany, entity: str) -> list[dict[str, Any]]:
    kind = KINDS[entity]
    rows = store.records(company, entity).order_by("-updated_at", "-pk")
    return [kind.present(company, row) for row in rows]


@login_required
def tenant(request: HttpRequest, tenant: str) -> HttpResponse:
    company = _company(tenant)
    invoices = _listing(company, entities.INVOICES)
    for invoice in invoices:
        invoice["issued"], invoice["due"] = _day(invoice.get("Date")), _day(invoice.get("DueDate"))
    payments = _listing(company, entities.PAYMENTS)
    for payment in payments:
        payment["paid_on"] = _day(payment.get("Date"))
    context = {
        "company": company,
        "contacts": _listing(company, entities.CONTACTS),
        "invoices": invoices,
        "quotes": _listing(company, entities.QUOTES),
        "payments": payments,
    }
    return render(request, "sandbox/xero/tenant.html", context)


@login_required
def contact_edit(request: HttpRequest, tenant: str, contact_id: str) -> HttpResponse:
    company = _company(tenant)
    contact = _record(company, entities.CONTACTS, contact_id)
    form = ContactForm(request.POST or None, initial=contact)
    if request.method == "POST" and form.is_valid():
        problems = _apply(company, entities.CONTACTS, form.cleaned_data, contact["ContactID"])
        if not problems:
            messages.success(request, f"Contact {form.cleaned_data['Name']} saved.")
            return redirect("sandbox:xero_console_tenant", tenant=tenant)
        for problem in problems:
            form.add_error(None, problem)
    context = {"company": company, "contact": contact, "form": form}
    return render(request, "sandbox/xero/contact_form.html", context)


@login_required
def invoice_edit(request: HttpRequest, tenant: str, invoice_id: str) -> HttpResponse:
    company = _company(tenant)
    invoice = _record(company, entities.INVOICES, invoice_id)
    initial = {**invoice, "DueDate": _day(invoice.get("DueDate"))}
    form = InvoiceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        problems = _apply(company, entities.INVOICES, _invoice_change(form, invoice), invoice_id)
        if not problems:
            messages.success(request, f"Invoice {invoice['InvoiceNumber']} saved.")
            return redirect("sandbox:xero_console_tenant", tenant=tenant)
        for problem in problems:
            form.add_error(None, problem)
    context = {
        "company": company,
        "invoice": invoice,
        "form": form,
        "payment_form": PaymentForm(),
    }
    return render(request, "sandbox/xero/invoice_form.html", context)


def _invoice_change(form: InvoiceForm, invoice: dict[str, Any]) -> dict[str, Any]:
    """Only what the person changed, so an unchanged form is not an edit of a paid invoice."""
    change: dict[str, Any] = {}
    due = form.cleaned_data["DueDate"]
    if due and due != _day(invoice.get("DueDate")):
        change["DueDate"] = due.isoformat()
    for field in ("Reference", "Status"):
        if form.cleaned_data[field] != invoice.get(field, ""):
            change[field] = form.cleaned_data[field]
    return change


@login_required
@require_POST
def invoice_pay(request: HttpRequest, tenant: str, invoice_id: str) -> HttpResponse:
    company = _company(tenant)
    invoice = _record(company, entities.INVOICES, invoice_id)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        problems = [f"{name}: {' '.join(errs)}" for name, errs in form.errors.items()]
    else:
        payment = {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Account": {"Code": _bank_code(company)},
            "Amount": str(form.cleaned_data["Amount"]),
            "Date": form.cleaned_data["Date"].isoformat(),
            "Reference": form.cleaned_data["Reference"],
        }
        problems = _apply(company, entities.PAYMENTS, payment, None)
    _report(request, problems, f"Payment recorded on {invoice['InvoiceNumber']}.")
    return redirect("sandbox:xero_console_invoice", tenant=tenant, invoice_id=invoice_id)


@login_required
@require_POST
def invoice_void(request: HttpRequest, tenant: str, invoice_id: str) -> HttpResponse:
    company = _company(tenant)
    invoice = _record(company, entities.INVOICES, invoice_id)
    problems = _apply(company, entities.INVOICES, {"Status": "VOIDED"}, invoice_id)
    _report(request, problems, f"Invoice {invoice['InvoiceNumber']} voided.")
    return redirect("sandbox:xero_console_invoice", tenant=tenant, invoice_id=invoice_id)


def _bank_code(company: SandboxCompany) -> str:
    bank = entities.find_by(company, entities.ACCOUNTS, "Type", "BANK")
    return bank.data["Code"] if bank else "090"


def _report(request: HttpRequest, problems: list[str], success: str) -> None:
    if problems:
        for problem in problems:
            messages.error(request, problem)
    else:
        messages.success(request, success)
