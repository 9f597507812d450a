from __future__ import annotations

from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("", views.review_requests, name="list"),
    path("<int:pk>/send/", views.review_request_send_now, name="send"),
    path("integrations/<int:pk>/", views.review_settings, name="settings"),
]
