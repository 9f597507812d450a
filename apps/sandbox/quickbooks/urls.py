from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("query", views.query, name="qbo_query"),
    path("batch", views.batch, name="qbo_batch"),
    path("cdc", views.cdc, name="qbo_cdc"),
    path("preferences", views.preferences, name="qbo_preferences"),
    path("<str:entity>", views.entity_write, name="qbo_entity"),
    path("<str:entity>/<str:record_id>", views.entity_read, name="qbo_entity_read"),
    path("<str:entity>/<str:record_id>/send", views.invoice_send, name="qbo_entity_send"),
]
