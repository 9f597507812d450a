"""The Xero sandbox: the Accounting API (mounted at /sandbox/xero/) and its console pages."""

from __future__ import annotations

from django.urls import path

from . import console, views

API = "api.xro/2.0"
CONSOLE = "console/<str:tenant>"

urlpatterns = [
    path(f"{API}/Organisation", views.organisation, name="xero_organisation"),
    path(f"{API}/Organisations", views.organisation),
    path(f"{API}/<str:name>", views.collection, name="xero_collection"),
    path(f"{API}/<str:name>/<str:key>", views.member, name="xero_member"),
    path(f"{CONSOLE}/", console.tenant, name="xero_console_tenant"),
    path(
        f"{CONSOLE}/contacts/<str:contact_id>/",
        console.contact_edit,
        name="xero_console_contact",
    ),
    path(
        f"{CONSOLE}/invoices/<str:invoice_id>/",
        console.invoice_edit,
        name="xero_console_invoice",
    ),
    path(
        f"{CONSOLE}/invoices/<str:invoice_id>/pay/",
        console.invoice_pay,
        name="xero_console_invoice_pay",
    ),
    path(
        f"{CONSOLE}/invoices/<str:invoice_id>/void/",
        console.invoice_void,
        name="xero_console_invoice_void",
    ),
]
