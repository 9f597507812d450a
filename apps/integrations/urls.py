from __future__ import annotations

from django.urls import path

from . import (
    connect_views,
    employee_views,
    mapping_views,
    stripe_payouts,
    stripe_views,
    views,
    webhooks,
)

app_name = "integrations"
urlpatterns = [
    path("settings/integrations/", views.index, name="index"),
    path("settings/integrations/stripe/", stripe_views.stripe_settings, name="stripe"),
    path("settings/integrations/<str:provider>/connect/", connect_views.connect, name="connect"),
    path("settings/integrations/<str:provider>/callback/", connect_views.callback, name="callback"),
    path("settings/integrations/<int:pk>/", views.settings_page, name="settings"),
    path(
        "settings/integrations/<int:pk>/first-sync/",
        connect_views.first_sync,
        name="first_sync",
    ),
    path(
        "settings/integrations/<int:pk>/first-sync/start/",
        connect_views.first_sync_start,
        name="first_sync_start",
    ),
    path("settings/integrations/<int:pk>/disconnect/", views.disconnect, name="disconnect"),
    path("settings/integrations/<int:pk>/employees/", employee_views.employees, name="employees"),
    path("settings/integrations/<int:pk>/mapping/", mapping_views.mapping, name="mapping"),
    path(
        "settings/integrations/<int:pk>/mapping/refresh/",
        mapping_views.mapping_refresh,
        name="mapping_refresh",
    ),
    path("settings/invoices/", views.invoice_settings, name="invoice_settings"),
    path("settings/quotes/", views.quote_settings, name="quote_settings"),
    path("webhooks/stripe/<str:account_id>/", stripe_payouts.receive, name="stripe_webhook"),
    path("webhooks/<str:provider>/", webhooks.receive, name="webhook"),
]
