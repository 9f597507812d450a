from __future__ import annotations

from django.urls import path

from . import views

app_name = "timesheets"
urlpatterns = [
    path("", views.timesheet_list, name="list"),
    path("team/", views.member_add, name="member_add"),
    path("<int:pk>/", views.timesheet_detail, name="detail"),
    path("<int:pk>/entries/", views.entry_add, name="entry_add"),
    path("entries/<int:pk>/remove/", views.entry_remove, name="entry_remove"),
] + [
    path(f"<int:pk>/{action}/", views.timesheet_action, {"action": action}, name=action)
    for action in views.ACTIONS
]
