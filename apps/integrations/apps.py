from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrationsConfig(AppConfig):
    name = "apps.integrations"
    label = "integrations"

    def ready(self) -> None:
        from .schedule import ensure_periodic_tasks

        post_migrate.connect(ensure_periodic_tasks, sender=self)
