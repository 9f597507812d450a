from __future__ import annotations

from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "apps.timesheets"
    label = "timesheets"

    def ready(self) -> None:
        from apps.customers.signals import customer_merge_counted, customer_merging

        from . import services

        customer_merging.connect(
            services.time_entries_customer_move, dispatch_uid="timesheets.customer_move"
        )
        customer_merge_counted.connect(
            services.time_entries_customer_count, dispatch_uid="timesheets.customer_count"
        )
