"""The sync state for administrators: links, the outbox, runs and the Sync Log."""

from __future__ import annotations

from django.contrib import admin

from apps.common.admin import OrganisationScopedAdmin

from . import services
from .models import Change, Link, SyncLogEntry, SyncRun, SyncState


class IntegrationScopedAdmin(OrganisationScopedAdmin):
    """Sync rows belong to the organisation of their integration."""

    organisation_path = "integration__organisation"


@admin.register(Link)
class LinkAdmin(IntegrationScopedAdmin):
    list_display = ["kind", "object_id", "integration", "remote_id", "created_by", "synced_at"]
    list_filter = ["kind", "created_by", "imported_history", "integration__provider"]
    search_fields = ["remote_id", "=object_id"]
    list_select_related = ["integration"]
    raw_id_fields = ["merged_into"]


@admin.register(Change)
class ChangeAdmin(IntegrationScopedAdmin):
    list_display = [
        "kind",
        "object_id",
        "integration",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["state", "kind", "integration__provider"]
    search_fields = ["=object_id", "last_error"]
    list_select_related = ["integration"]
    actions = ["retry_now"]

    @admin.action(description="Send the selected records again now", permissions=["change"])
    def retry_now(self, request, queryset):
        count = services.changes_send_again(changes=queryset)
        self.message_user(request, f"{count} record(s) queued again.")


@admin.register(SyncRun)
class SyncRunAdmin(IntegrationScopedAdmin):
    list_display = ["integration", "trigger", "status", "dry_run", "started_at", "finished_at"]
    list_filter = ["trigger", "status", "dry_run", "integration__provider"]
    list_select_related = ["integration"]


@admin.register(SyncLogEntry)
class SyncLogEntryAdmin(IntegrationScopedAdmin):
    list_display = [
        "created_at",
        "integration",
        "kind",
        "object_id",
        "direction",
        "outcome",
        "message",
    ]
    list_filter = ["outcome", "direction", "kind", "integration__provider"]
    search_fields = ["=object_id", "remote_id", "message"]
    list_select_related = ["integration"]
    raw_id_fields = ["run"]


@admin.register(SyncState)
class SyncStateAdmin(IntegrationScopedAdmin):
    list_display = [
        "integration",
        "watermark",
        "last_pull_at",
        "drain_claimed_at",
        "pull_claimed_at",
        "caught_up_at",
    ]
    list_select_related = ["integration"]
