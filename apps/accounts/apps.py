from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Runs after the admin has discovered every app's admin module (it is installed first).
        from django.contrib import admin

        from apps.common.admin import lock_unscoped_admins

        lock_unscoped_admins(admin.site)
