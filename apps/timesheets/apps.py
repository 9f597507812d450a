from __future__ import annotations

from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "apps.timesheets"
    label = "timesheets"
