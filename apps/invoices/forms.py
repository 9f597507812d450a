from __future__ import annotations

from django import forms

from apps.common.bounds import bounded_decimal_field
from apps.common.forms import DateInput, DocumentForm

from .models import Payment


class InvoiceForm(DocumentForm):
    due_date = forms.DateField(widget=DateInput, required=False)

    field_order = ["customer", "issue_date", "due_date", "billing_email", "currency"]


class PaymentForm(forms.Form):
    amount = bounded_decimal_field(Payment, "amount", min_value=0)
    date = forms.DateField(widget=DateInput)
    method = forms.ChoiceField(
        choices=[
            ("", "—"),
            ("cash", "Cash"),
            ("check", "Check"),
            ("card", "Card"),
            ("bank_transfer", "Bank transfer"),
        ],
        required=False,
    )
    reference = forms.CharField(max_length=100, required=False)
