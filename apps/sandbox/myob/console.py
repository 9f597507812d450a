"""The MYOB part of the sandbox console: a company file's records, and the edits a person would
make in MYOB itself (a customer's name, e-mail or status; an invoice's comment, PO number or
date). Each edit goes through ``records.save`` as an API PUT does, so LastModified moves and
RowVersion changes: a client holding the old RowVersion gets the 409 it would get from MYOB."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from apps.sandbox import store
from apps.sandbox.models import Provider, SandboxCompany, SandboxRecord

from . import records
from .wire import day_time

LISTED = [
    ("Customers", records.CUSTOMER),
    ("Invoices", records.INVOICE),
    ("Quotes", records.QUOTE),
    ("Customer payments", records.PAYMENT),
    ("Items", records.ITEM),
    ("Transfer money", records.TRANSFER),
    ("Spend money", records.SPEND),
    ("Accounts", records.ACCOUNT),
    ("Tax codes", records.TAX_CODE),
]


class CustomerForm(forms.Form):
    CompanyName = forms.CharField(max_length=50, label="Company name")
    Email = forms.EmailField(max_length=255, required=False, label="E-mail")
    IsActive = forms.BooleanField(required=False, label="Active")


class InvoiceForm(forms.Form):
    Date = forms.DateField()
    CustomerPurchaseOrderNumber = forms.CharField(max_length=255, required=False, label="PO number")
    Comment = forms.CharField(max_length=255, required=False)


def _company(cf_id: str) -> SandboxCompany:
    return get_object_or_404(SandboxCompany, provider=Provider.MYOB, external_id=cf_id)


def _record(company: SandboxCompany, entity: str, uid: str) -> SandboxRecord:
    record = records.get(company, entity, uid)
    if record is None:
        raise Http404(f"No {records.path_of(entity)} {uid}")
    return record


def label(data: dict) -> str:
    """What the list shows for one record, whatever its resource."""
    customer = (data.get("Customer") or {}).get("Name")
    number = (
        data.get("Number")
        or data.get("ReceiptNumber")
        or data.get("TransferNumber")
        or data.get("PaymentNumber")
        or data.get("DisplayID")
    )
    parts = [number, customer, data.get("Memo")]
    name = data.get("CompanyName") or data.get("Name") or data.get("Code")
    return name or " · ".join(str(p) for p in parts if p)


@login_required
def company_file(request: HttpRequest, cf_id: str) -> HttpResponse:
    company = _company(cf_id)
    sections = []
    for title, entity in LISTED:
        rows = store.records(company, entity).order_by("-updated_at", "-pk")[:100]
        sections.append((title, [{"data": row.data, "label": label(row.data)} for row in rows]))
    return render(
        request, "sandbox/myob/company_file.html", {"company": company, "sections": sections}
    )


@login_required
def customer_edit(request: HttpRequest, cf_id: str, uid: str) -> HttpResponse:
    company = _company(cf_id)
    customer = _record(company, records.CUSTOMER, uid)
    addresses = customer.data.get("Addresses") or [{"Location": 1}]
    initial = {**customer.data, "Email": addresses[0].get("Email", "")}
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            locked = records.get(company, records.CUSTOMER, uid, for_update=True)
            first = {**addresses[0], "Email": form.cleaned_data["Email"]}
            change = {
                "CompanyName": form.cleaned_data["CompanyName"],
                "IsActive": form.cleaned_data["IsActive"],
                "Addresses": [first, *addresses[1:]],
            }
            records.save(locked, {**locked.data, **change})
        messages.success(request, f"Customer {change['CompanyName']} saved in MYOB.")
        return redirect("sandbox:myob_console", cf_id)
    context = {"company": company, "record": customer.data, "form": form, "kind": "customer"}
    return render(request, "sandbox/myob/record_form.html", context)


@login_required
def invoice_edit(request: HttpRequest, cf_id: str, uid: str) -> HttpResponse:
    company = _company(cf_id)
    invoice = _record(company, records.INVOICE, uid)
    initial = {**invoice.data, "Date": (invoice.data.get("Date") or "")[:10]}
    form = InvoiceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            locked = records.get(company, records.INVOICE, uid, for_update=True)
            change = {
                "Date": day_time(form.cleaned_data["Date"].isoformat()),
                "CustomerPurchaseOrderNumber": form.cleaned_data["CustomerPurchaseOrderNumber"],
                "Comment": form.cleaned_data["Comment"],
            }
            records.save(locked, {**locked.data, **change})
        messages.success(request, f"Invoice {invoice.data['Number']} saved in MYOB.")
        return redirect("sandbox:myob_console", cf_id)
    context = {"company": company, "record": invoice.data, "form": form, "kind": "invoice"}
    return render(request, "sandbox/myob/record_form.html", context)
