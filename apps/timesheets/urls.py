from __future__ import annotations

app_name = "timesheets"
urlpatterns: list = []
