"""What every hub admin shares: a staff member sees only their own organisation's rows."""

from __future__ import annotations

from django.contrib import admin


class OrganisationScopedAdmin(admin.ModelAdmin):
    """Superusers (and staff without an organisation) see everything; other staff see their
    organisation's rows only. ``organisation_path`` names the lookup to the organisation."""

    organisation_path = "organisation"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        organisation_id = getattr(request.user, "organisation_id", None)
        if request.user.is_superuser or organisation_id is None:
            return queryset
        return queryset.filter(**{f"{self.organisation_path}_id": organisation_id})


# Stored by the services from compute_totals(), so never typed in the admin.
TOTALS_FIELDS = ("subtotal", "discount_total", "tax_total", "total")


class DocumentAdmin(OrganisationScopedAdmin):
    """What the quote and invoice admins share."""

    list_filter = ("status", "organisation", "issue_date")
    search_fields = ("number", "customer__display_name", "billing_email")
    list_select_related = ("customer", "organisation")
    date_hierarchy = "issue_date"


class DocumentLineInline(admin.TabularInline):
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
