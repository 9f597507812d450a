"""The Xero sandbox: the Accounting API (mounted at /sandbox/xero/) and its console pages."""

from __future__ import annotations

from django.urls import path, re_path

from . import console, views

API = "api.xro/2.0"

urlpatterns = [
    re_path(
        rf"^{API}/[Oo][Rr][Gg][Aa][Nn][Ii][Ss][Aa][Tt][Ii][Oo][Nn][Ss]?/?$",
        views.organisation,
        name="xero_organisation",
    ),
    path(f"{API}/<str:name>", views.collection, name="xero_collection"),
    path(f"{API}/<str:name>/<str:key>", views.member, name="xero_member"),
    path("console/<str:tenant>/", console.tenant, name="xero_console_tenant"),
]
