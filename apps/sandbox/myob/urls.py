"""The MYOB sandbox, mounted at /sandbox/myob/: OAuth as on secure.myob.com, the API as on
api.myob.com/accountright/, and the console pages."""

from __future__ import annotations

from django.urls import path, re_path

from . import console, oauth_views, views

CF = r"(?P<cf_id>[0-9a-fA-F-]{36})"

urlpatterns = [
    path("oauth2/account/authorize", oauth_views.authorize, name="myob_authorize"),
    path("oauth2/v1/authorize", oauth_views.token, name="myob_token"),
    path("accountright/", views.company_files, name="myob_company_files"),
    re_path(rf"^accountright/{CF}/?$", views.company, name="myob_company_file"),
    re_path(rf"^accountright/{CF}/[cC]ompany/?$", views.company, name="myob_company"),
    re_path(rf"^accountright/{CF}/(?P<path>.+?)/?$", views.collection, name="myob_resource"),
    path("console/<str:cf_id>/", console.company_file, name="myob_console"),
    path(
        "console/<str:cf_id>/customer/<str:uid>/",
        console.customer_edit,
        name="myob_console_customer",
    ),
    path(
        "console/<str:cf_id>/invoice/<str:uid>/",
        console.invoice_edit,
        name="myob_console_invoice",
    ),
]
