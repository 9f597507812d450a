from __future__ import annotations

from django.urls import path

from . import views

app_name = "quotes"
urlpatterns = [
    path("", views.quote_list, name="list"),
    path("new/", views.quote_create, name="create"),
    path("line-row/", views.quote_line_row, name="line_row"),
    path("totals/", views.quote_totals, name="totals"),
    path("<int:pk>/", views.quote_detail, name="detail"),
    path("<int:pk>/edit/", views.quote_edit, name="edit"),
    path("<int:pk>/convert/", views.quote_convert, name="convert"),
] + [
    path(f"<int:pk>/{action}/", views.quote_action, {"action": action}, name=action)
    for action in views.ACTIONS
]
