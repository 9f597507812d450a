from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from apps.common.admin import OrganisationScopedAdmin

from .models import NumberSequence, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "currency", "time_zone", "created_at")
    list_filter = ("country", "currency")
    search_fields = ("name",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser or request.user.organisation_id is None:
            return queryset
        return queryset.filter(pk=request.user.organisation_id)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "organisation", "is_staff")
    list_filter = ("organisation", "is_staff", "is_superuser", "is_active")
    list_select_related = ("organisation",)
    fieldsets = (*UserAdmin.fieldsets, ("Organisation", {"fields": ("organisation",)}))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser or request.user.organisation_id is None:
            return queryset
        return queryset.filter(organisation_id=request.user.organisation_id)


@admin.register(NumberSequence)
class NumberSequenceAdmin(OrganisationScopedAdmin):
    list_display = ("organisation", "prefix", "last_value")
    list_filter = ("prefix",)
    list_select_related = ("organisation",)
