from __future__ import annotations

from django.contrib import admin

from apps.common.admin import OrganisationScopedAdmin

from .models import Invoice, InvoiceLine, Payment


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
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


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ("date", "amount", "method", "reference", "source", "voided")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # payments go through the payment services


@admin.register(Invoice)
class InvoiceAdmin(OrganisationScopedAdmin):
    list_display = (
        "number",
        "customer",
        "status",
        "issue_date",
        "due_date",
        "total",
        "amount_paid",
        "currency",
        "organisation",
    )
    list_filter = ("status", "organisation", "issue_date")
    search_fields = ("number", "customer__display_name", "billing_email")
    list_select_related = ("customer", "organisation")
    raw_id_fields = ("customer", "imported_from")
    readonly_fields = (
        "subtotal",
        "discount_total",
        "tax_total",
        "total",
        "amount_paid",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "issue_date"
    inlines = [InvoiceLineInline, PaymentInline]


@admin.register(Payment)
class PaymentAdmin(OrganisationScopedAdmin):
    organisation_path = "customer__organisation"
    list_display = ("date", "amount", "invoice", "customer", "method", "source", "voided")
    list_filter = ("source", "voided", "method")
    search_fields = ("reference", "invoice__number", "customer__display_name")
    list_select_related = ("invoice", "customer")
    raw_id_fields = ("invoice", "customer", "source_integration")
