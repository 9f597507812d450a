from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReviewsConfig(AppConfig):
    name = "apps.reviews"
    label = "reviews"
    verbose_name = "Review requests"

    def ready(self) -> None:
        from . import receivers
        from .schedule import ensure_periodic_tasks

        receivers.connect()
        post_migrate.connect(ensure_periodic_tasks, sender=self)
