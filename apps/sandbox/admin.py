"""Sandbox rows in the Django admin, for looking (the console is where changes are made).
They belong to no organisation, so only superusers see them."""

from __future__ import annotations

from django.contrib import admin

from apps.common.admin import SuperuserOnlyAdmin

from .models import (
    SandboxApp,
    SandboxCompany,
    SandboxFault,
    SandboxRecord,
    SandboxRequest,
    SandboxWebhookDelivery,
)


@admin.register(SandboxApp)
class SandboxAppAdmin(SuperuserOnlyAdmin):
    list_display = ("name", "provider", "client_id", "webhook_url")
    list_filter = ("provider",)


@admin.register(SandboxCompany)
class SandboxCompanyAdmin(SuperuserOnlyAdmin):
    list_display = ("name", "provider", "external_id", "country", "currency", "payroll_enabled")
    list_filter = ("provider", "country")
    search_fields = ("name", "external_id")


@admin.register(SandboxRecord)
class SandboxRecordAdmin(SuperuserOnlyAdmin):
    list_display = ("entity", "record_id", "company", "version", "deleted", "updated_at")
    list_filter = ("entity", "deleted")
    list_select_related = ("company",)
    search_fields = ("record_id", "company__external_id")


@admin.register(SandboxRequest)
class SandboxRequestAdmin(SuperuserOnlyAdmin):
    list_display = ("created_at", "company", "method", "path", "status", "duration_ms")
    list_filter = ("provider", "status")
    list_select_related = ("company",)


@admin.register(SandboxFault)
class SandboxFaultAdmin(SuperuserOnlyAdmin):
    list_display = ("company", "kind", "remaining", "path_contains", "created_at")
    list_select_related = ("company",)


@admin.register(SandboxWebhookDelivery)
class SandboxWebhookDeliveryAdmin(SuperuserOnlyAdmin):
    list_display = ("app", "company", "attempts", "last_status", "delivered_at", "next_attempt_at")
    list_select_related = ("app", "company")
