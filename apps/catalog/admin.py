from __future__ import annotations

from django.contrib import admin

from apps.common.admin import OrganisationScopedAdmin

from .models import ServiceItem


@admin.register(ServiceItem)
class ServiceItemAdmin(OrganisationScopedAdmin):
    list_display = ("name", "unit_price", "taxable", "active", "organisation")
    list_filter = ("organisation", "active", "taxable")
    search_fields = ("name", "description")
    list_select_related = ("organisation",)
