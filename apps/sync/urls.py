from __future__ import annotations

app_name = "sync"
urlpatterns: list = []
