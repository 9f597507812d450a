from __future__ import annotations

from django.contrib import admin, messages

from apps.common.admin import OrganisationScopedAdmin

from . import services
from .models import EmployeeMapping, Integration, WebhookEvent


@admin.register(Integration)
class IntegrationAdmin(OrganisationScopedAdmin):
    list_display = ["__str__", "organisation", "status", "sync_enabled", "region", "connected_at"]
    list_filter = ["provider", "status", "region", "sync_enabled"]
    list_select_related = ["organisation"]
    search_fields = ["remote_company_name", "remote_company_id", "organisation__name"]
    # Tokens are never shown, not even encrypted.
    exclude = ["access_token_encrypted", "refresh_token_encrypted", "token_refresh_claimed_until"]
    readonly_fields = [
        "organisation",
        "provider",
        "status",
        "remote_company_id",
        "country",
        "currency",
        "region",
        "access_expires_at",
        "refresh_expires_at",
        "connected_at",
        "disconnected_at",
    ]
    actions = ["disconnect"]

    @admin.action(description="Disconnect (keeps every record and link)", permissions=["change"])
    def disconnect(self, request, queryset) -> None:
        count = 0
        for integration in queryset.exclude(status=Integration.Status.DISCONNECTED):
            services.integration_disconnect(integration=integration)
            count += 1
        self.message_user(request, f"{count} integration(s) disconnected.", messages.SUCCESS)


@admin.register(WebhookEvent)
class WebhookEventAdmin(OrganisationScopedAdmin):
    # An event for no known company belongs to no organisation: superusers only.
    organisation_path = "integration__organisation"

    list_display = ["provider", "event_id", "integration", "received_at", "processed_at"]
    list_filter = ["provider"]
    list_select_related = ["integration"]
    search_fields = ["event_id"]
    readonly_fields = [
        "provider",
        "event_id",
        "integration",
        "payload",
        "received_at",
        "processed_at",
    ]


@admin.register(EmployeeMapping)
class EmployeeMappingAdmin(OrganisationScopedAdmin):
    """Looked at here; changed on the integration's Employee mapping page."""

    organisation_path = "integration__organisation"

    list_display = ["member", "remote_name", "remote_id", "integration", "updated_at"]
    list_select_related = ["member", "integration"]
    search_fields = ["member__name", "remote_name"]
    readonly_fields = ["integration", "member", "remote_id", "remote_name", "updated_at"]
