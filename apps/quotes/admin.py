from __future__ import annotations

from django.contrib import admin

from apps.common.admin import TOTALS_FIELDS, DocumentAdmin, DocumentLineInline

from .models import Quote, QuoteLine


class QuoteLineInline(DocumentLineInline):
    model = QuoteLine
    organisation_path = "quote__organisation"


@admin.register(Quote)
class QuoteAdmin(DocumentAdmin):
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
    raw_id_fields = ("customer", "converted_invoice")
    readonly_fields = (*TOTALS_FIELDS, "created_at", "updated_at")
    inlines = [QuoteLineInline]
