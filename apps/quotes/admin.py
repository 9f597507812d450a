from __future__ import annotations

from django.contrib import admin

from apps.common.admin import OrganisationScopedAdmin

from .models import Quote, QuoteLine


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
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


@admin.register(Quote)
class QuoteAdmin(OrganisationScopedAdmin):
    list_display = (
        "number",
        "customer",
        "status",
        "issue_date",
        "expiry_date",
        "total",
        "currency",
        "organisation",
    )
    list_filter = ("status", "organisation", "issue_date")
    search_fields = ("number", "customer__display_name", "billing_email")
    list_select_related = ("customer", "organisation")
    raw_id_fields = ("customer", "converted_invoice")
    readonly_fields = (
        "subtotal",
        "discount_total",
        "tax_total",
        "total",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "issue_date"
    inlines = [QuoteLineInline]
