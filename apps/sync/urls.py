from __future__ import annotations

from django.urls import path

from . import views

app_name = "sync"
urlpatterns = [
    path("integrations/<int:pk>/sync-now/", views.sync_now, name="sync_now"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("log/", views.log, name="log"),
    path(
        "integrations/<int:pk>/retry/<str:kind>/<int:object_id>/",
        views.retry_record,
        name="retry",
    ),
]
