from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from apps.common.admin import OrganisationScopedAdmin, is_superuser, organisation_of

from .models import NumberSequence, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScopedAdmin):
    organisation_path = "pk"
    list_display = ("name", "country", "currency", "time_zone", "created_at")
    list_filter = ("country", "currency")
    search_fields = ("name",)

    # A new organisation would belong to nobody on staff, and deleting one takes every record
    # with it: both are for superusers.
    def has_add_permission(self, request):
        return is_superuser(request)

    def has_delete_permission(self, request, obj=None):
        return is_superuser(request)


def granted_permissions(user: User) -> set[str]:
    """Every permission a user holds, directly or through a group, active or not (an inactive
    account can be reactivated, so what it holds still counts)."""
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .distinct()
    }


@admin.register(User)
class StaffUserAdmin(OrganisationScopedAdmin, UserAdmin):
    """Staff manage their colleagues without ever gaining rights: the organisation, superuser
    status, groups and permissions are for superusers to set; nobody changes their own staff
    flag; and a colleague who holds more than you (or is a superuser) is yours to look at only,
    since setting their password would hand you their rights (docs/security.md)."""

    list_display = ("username", "email", "first_name", "last_name", "organisation", "is_staff")
    list_filter = ("organisation", "is_staff", "is_superuser", "is_active")
    list_select_related = ("organisation",)
    fieldsets = (*UserAdmin.fieldsets, ("Organisation", {"fields": ("organisation",)}))
    rights_fields = ("organisation", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if is_superuser(request):
            return readonly
        readonly += self.rights_fields
        if obj is not None and obj.pk == request.user.pk:
            readonly.append("is_staff")
        return readonly

    def _holds_no_more_than_me(self, request, obj) -> bool:
        if is_superuser(request) or obj is None or obj.pk == request.user.pk:
            return True
        return not obj.is_superuser and granted_permissions(obj) <= granted_permissions(
            request.user
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._holds_no_more_than_me(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._holds_no_more_than_me(
            request, obj
        )

    def delete_queryset(self, request, queryset):
        # The bulk "delete selected" action asks about the model only, not each user.
        if not all(self._holds_no_more_than_me(request, user) for user in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj, form, change):
        if not change and not is_superuser(request):
            obj.organisation_id = organisation_of(request)
        super().save_model(request, obj, form, change)


@admin.register(NumberSequence)
class NumberSequenceAdmin(OrganisationScopedAdmin):
    list_display = ("organisation", "prefix", "last_value")
    list_filter = ("prefix",)
    list_select_related = ("organisation",)
