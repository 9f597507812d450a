from __future__ import annotations

from django.urls import path

from apps.common import document_views

from . import views

app_name = "quotes"
urlpatterns = [
    path("", views.quote_list, name="list"),
    path("new/", views.quote_create, name="create"),
    path("line-row/", document_views.line_row, name="line_row"),
    path("totals/", document_views.document_totals, name="totals"),
    path("<int:pk>/", views.quote_detail, name="detail"),
    path("<int:pk>/edit/", views.quote_edit, name="edit"),
    path("<int:pk>/convert/", views.quote_convert, name="convert"),
] + [
    path(f"<int:pk>/{action}/", views.quote_action, {"action": action}, name=action)
    for action in views.ACTIONS
]
