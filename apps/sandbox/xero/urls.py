"""The Xero sandbox: the Accounting API (mounted at /sandbox/xero/) and its console pages."""

from __future__ import annotations

import re

from django.urls import path, re_path

from . import console, views


def any_case(text: str) -> str:
    """A regex matching ``text`` in any letter case; character classes (not ``(?i)``) so that
    Django can still reverse the URL, to the spelling given."""
    return "".join(f"[{c}{c.swapcase()}]" if c.isalpha() else re.escape(c) for c in text)


# Xero's paths are case-insensitive (/Invoices and /invoices, /Organisation and /organisation):
# the official SDKs spell them as the OpenAPI specification does, others do not.
# https://developer.xero.com/documentation/api/accounting/overview
API = f"^{any_case('api.xro/2.0')}/"
CONSOLE = "console/<str:tenant>"

urlpatterns = [
    re_path(
        rf"{API}{any_case('Organisation')}[sS]?$", views.organisation, name="xero_organisation"
    ),
    re_path(rf"{API}(?P<name>[^/]+)$", views.collection, name="xero_collection"),
    re_path(rf"{API}(?P<name>[^/]+)/(?P<key>[^/]+)$", views.member, name="xero_member"),
    re_path(
        rf"{API}{any_case('CreditNotes')}/(?P<key>[^/]+)/{any_case('Allocations')}$",
        views.credit_note_allocations,
        name="xero_credit_note_allocations",
    ),
    re_path(
        rf"{API}{any_case('CreditNotes')}/(?P<key>[^/]+)/{any_case('Allocations')}/"
        r"(?P<allocation_id>[^/]+)$",
        views.credit_note_allocation,
        name="xero_credit_note_allocation",
    ),
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
