from __future__ import annotations

from django.urls import include, path, re_path

from . import console, control_views, oauth_views
from .models import Provider
from .xero.urls import any_case

app_name = "sandbox"

QBO = {"provider": Provider.QUICKBOOKS}
XERO = {"provider": Provider.XERO}

urlpatterns = [
    path("", console.index, name="index"),
    path("companies/new/", console.company_new, name="company_new"),
    path("quickbooks/console/<str:external_id>/", console.qbo_company, name="qbo_console_company"),
    path(
        "quickbooks/console/<str:external_id>/payroll/",
        console.qbo_company_payroll,
        name="qbo_console_payroll",
    ),
    path(
        "quickbooks/console/<str:external_id>/customer/<str:record_id>/",
        console.qbo_customer,
        name="qbo_console_customer",
    ),
    path(
        "quickbooks/console/<str:external_id>/invoice/<str:record_id>/",
        console.qbo_invoice,
        name="qbo_console_invoice",
    ),
    path(
        "quickbooks/console/<str:external_id>/invoice/<str:record_id>/payment/",
        console.qbo_invoice_payment,
        name="qbo_console_invoice_payment",
    ),
    path(
        "quickbooks/console/<str:external_id>/invoice/<str:record_id>/void/",
        console.qbo_invoice_void,
        name="qbo_console_invoice_void",
    ),
    # Control endpoint (tests, benchmarks).
    path("control/faults/", control_views.faults, name="control_faults"),
    path("control/expire_token/", control_views.expire_token, name="control_expire_token"),
    path("control/requests/", control_views.request_log, name="control_requests"),
    # QuickBooks Online: OAuth and the Accounting API.
    path(
        "quickbooks/.well-known/openid_configuration",
        oauth_views.qbo_discovery,
        name="qbo_discovery",
    ),
    path("quickbooks/oauth2/authorize", oauth_views.authorize, QBO, name="qbo_authorize"),
    path("quickbooks/oauth2/tokens/bearer", oauth_views.token, QBO, name="qbo_token"),
    path("quickbooks/oauth2/revoke", oauth_views.revoke, QBO, name="qbo_revoke"),
    path("quickbooks/oauth2/userinfo", oauth_views.qbo_userinfo, name="qbo_userinfo"),
    path("quickbooks/oauth2/keys", oauth_views.qbo_keys, name="qbo_keys"),
    path("quickbooks/v3/company/<str:realm_id>/", include("apps.sandbox.quickbooks.urls")),
    # Xero: identity endpoints here, the Accounting API in apps.sandbox.xero.
    path("xero/identity/connect/authorize", oauth_views.authorize, XERO, name="xero_authorize"),
    path("xero/identity/connect/token", oauth_views.token, XERO, name="xero_token"),
    path("xero/identity/connect/revocation", oauth_views.revoke, XERO, name="xero_revoke"),
    # /connections or /Connections, as the official SDK spells it (identity paths ignore case).
    re_path(
        rf"^xero/{any_case('connections')}$", oauth_views.xero_connections, name="xero_connections"
    ),
    re_path(
        rf"^xero/{any_case('connections')}/(?P<connection_id>[^/]+)$",
        oauth_views.xero_connection_delete,
        name="xero_connection_delete",
    ),
    path("xero/", include("apps.sandbox.xero.urls")),
    # MYOB Business: OAuth, the company-file API and its console (apps.sandbox.myob).
    path("myob/", include("apps.sandbox.myob.urls")),
    # Stripe: the API at /sandbox/stripe/v1 and its console (apps.sandbox.stripe).
    path("stripe/", include("apps.sandbox.stripe.urls")),
]
