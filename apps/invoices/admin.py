from __future__ import annotations

from django.contrib import admin

from apps.common.admin import (
    TOTALS_FIELDS,
    DocumentAdmin,
    DocumentLineInline,
    OrganisationScopedAdmin,
    ScopedTabularInline,
)

from .models import Invoice, InvoiceLine, Payment


class InvoiceLineInline(DocumentLineInline):
    model = InvoiceLine
    organisation_path = "invoice__organisation"


class PaymentInline(ScopedTabularInline):
    model = Payment
    organisation_path = "customer__organisation"
    extra = 0
    fields = ("date", "amount", "method", "reference", "source", "voided")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # payments go through the payment services


@admin.register(Invoice)
class InvoiceAdmin(DocumentAdmin):
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
    raw_id_fields = ("customer", "imported_from")
    readonly_fields = (*TOTALS_FIELDS, "amount_paid", "created_at", "updated_at")
    inlines = [InvoiceLineInline, PaymentInline]


@admin.register(Payment)
class PaymentAdmin(OrganisationScopedAdmin):
    organisation_path = "customer__organisation"
    list_display = ("date", "amount", "invoice", "customer", "method", "source", "voided")
    list_filter = ("source", "voided", "method")
    search_fields = ("reference", "invoice__number", "customer__display_name")
    list_select_related = ("invoice", "customer")
    raw_id_fields = ("invoice", "customer", "source_integration")
