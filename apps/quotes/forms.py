from __future__ import annotations

from django import forms

from apps.common.forms import DateInput, DocumentForm


class QuoteForm(DocumentForm):
    expiry_date = forms.DateField(widget=DateInput, required=False)

    field_order = ["customer", "issue_date", "expiry_date", "billing_email", "currency"]
