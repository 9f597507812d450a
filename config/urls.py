from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("apps.home.urls")),
    path("", include("apps.accounts.urls")),
    path("customers/", include("apps.customers.urls")),
    path("items/", include("apps.catalog.urls")),
    path("quotes/", include("apps.quotes.urls")),
    path("invoices/", include("apps.invoices.urls")),
    path("timesheets/", include("apps.timesheets.urls")),
    path("", include("apps.integrations.urls")),
    path("sync/", include("apps.sync.urls")),
    path("reviews/", include("apps.reviews.urls")),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("apps.sandbox.urls")))
