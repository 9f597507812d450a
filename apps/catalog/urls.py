from __future__ import annotations

from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("new/", views.item_create, name="create"),
    path("line-fields/", views.line_fields, name="line_fields"),
    path("<int:pk>/", views.item_edit, name="edit"),
]
