from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SandboxConfig(AppConfig):
    name = "apps.sandbox"
    label = "sandbox"

    def ready(self) -> None:
        from .schedule import ensure_periodic_tasks

        post_migrate.connect(ensure_periodic_tasks, sender=self)
