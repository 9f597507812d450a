from __future__ import annotations

from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("integrations/<int:pk>/", views.review_settings, name="settings"),
]
