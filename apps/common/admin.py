"""The one rule every admin follows: a staff member sees and acts on their own organisation's
rows only (docs/security.md, "Django admin").

Superusers see everything. Other staff see the rows whose ``organisation_path`` leads to their
organisation; staff without an organisation see nothing. Choices offered by a form (foreign
keys, many-to-many, raw ids, list filters) come from the related model's own admin, so they
are scoped by the same rule. An admin with ``organisation_path = None`` is for superusers only.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.sites import NotRegistered
from django.contrib.admin.utils import get_fields_from_path


def is_superuser(request) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


def organisation_of(request) -> int | None:
    return getattr(request.user, "organisation_id", None)


class OrganisationScoped:
    """Mixed into every ModelAdmin and inline (a test walks the admin site to make sure)."""

    # The lookup from this model to its organisation; "pk" for the organisation itself.
    organisation_path: str | None = "organisation"

    def _locked_out(self, request) -> bool:
        """Neither a superuser nor someone whose organisation owns rows here."""
        if is_superuser(request):
            return False
        return self.organisation_path is None or organisation_of(request) is None

    def scope(self, queryset, request):
        if is_superuser(request):
            return queryset
        if self._locked_out(request):
            return queryset.none()
        return queryset.filter(**{self.organisation_path: organisation_of(request)})

    def get_queryset(self, request):
        return self.scope(super().get_queryset(request), request)

    def get_field_queryset(self, db, db_field, request):
        """Choices for a foreign key or many-to-many: what the related model's admin shows."""
        if is_superuser(request):
            return super().get_field_queryset(db, db_field, request)
        try:
            related_admin = self.admin_site.get_model_admin(db_field.remote_field.model)
        except NotRegistered:
            related_admin = None
        if not isinstance(related_admin, OrganisationScoped):
            return db_field.remote_field.model._default_manager.none()
        return related_admin.get_queryset(request).using(db)

    def get_list_filter(self, request):
        """A filter on a relation lists only values found in the rows this user sees."""
        filters = super().get_list_filter(request)
        if is_superuser(request):
            return filters
        return [self._filter_on_seen_rows(item) for item in filters]

    def _filter_on_seen_rows(self, item):
        if isinstance(item, str) and get_fields_from_path(self.model, item)[-1].is_relation:
            return (item, admin.RelatedOnlyFieldListFilter)
        return item

    def has_module_permission(self, request):
        return not self._locked_out(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return not self._locked_out(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return not self._locked_out(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return not self._locked_out(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked_out(request) and super().has_delete_permission(request, obj)


class OrganisationScopedAdmin(OrganisationScoped, admin.ModelAdmin):
    pass


class SuperuserOnlyAdmin(OrganisationScopedAdmin):
    """Rows that belong to no organisation (the sandboxes, the scheduler, groups)."""

    organisation_path = None


class ScopedTabularInline(OrganisationScoped, admin.TabularInline):
    """An inline's rows and choices are scoped like any admin's (set ``organisation_path``)."""


def lock_unscoped_admins(site: admin.AdminSite) -> None:
    """Admins that other packages register (auth's groups, the beat scheduler's tasks) hold
    rows of no organisation and may grant anything: superusers only. The project's own admins
    are left alone, so one that forgets the scoping fails its test instead of being hidden."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, OrganisationScoped) or model.__module__.startswith("apps."):
            continue
        locked = type(
            f"SuperuserOnly{type(model_admin).__name__}",
            (SuperuserOnlyAdmin, type(model_admin)),
            {},
        )
        site.unregister(model)
        site.register(model, locked)


# Stored by the services from compute_totals(), so never typed in the admin.
TOTALS_FIELDS = ("subtotal", "discount_total", "tax_total", "total")


class DocumentAdmin(OrganisationScopedAdmin):
    """What the quote and invoice admins share."""

    list_filter = ("status", "organisation", "issue_date")
    search_fields = ("number", "customer__display_name", "billing_email")
    list_select_related = ("customer", "organisation")
    date_hierarchy = "issue_date"


class DocumentLineInline(ScopedTabularInline):
    """A quote's or invoice's lines; the amount is computed by the services."""

    extra = 0
    fields = (
        "position",
        "service_item",
        "description",
        "quantity",
        "unit_price",
        "discount_percent",
        "taxable",
        "amount",
    )
    readonly_fields = ("amount",)
