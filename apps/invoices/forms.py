from __future__ import annotations

from django import forms

from apps.common.bounds import bounded_decimal_field
from apps.common.forms import DateInput, DocumentForm

from .models import CreditNoteLine, Payment, Refund


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


class CreditNoteForm(forms.Form):
    """Issue credit note: the whole invoice, or the lines listed below it."""

    WHOLE, PART = "whole", "part"
    scope = forms.ChoiceField(
        label="Credit",
        choices=[(WHOLE, "The whole invoice"), (PART, "Part of it: the lines below")],
        initial=WHOLE,
        widget=forms.RadioSelect,
    )
    issue_date = forms.DateField(widget=DateInput)
    reason = forms.CharField(max_length=200, required=False)


class CreditLineForm(forms.Form):
    """One line of a partial credit note; a line left empty is ignored."""

    description = forms.CharField(max_length=500, required=False)
    quantity = bounded_decimal_field(CreditNoteLine, "quantity", min_value=0, required=False)
    unit_price = bounded_decimal_field(CreditNoteLine, "unit_price", min_value=0, required=False)
    taxable = forms.BooleanField(required=False, initial=True)

    def clean(self):
        data = super().clean()
        filled = data.get("description") or data.get("quantity") or data.get("unit_price")
        if filled:
            if not data.get("description"):
                self.add_error("description", "Enter a description.")
            if data.get("quantity") is None:
                self.add_error("quantity", "Enter the quantity.")
            if data.get("unit_price") is None:
                self.add_error("unit_price", "Enter the unit price.")
        return data


CreditLineFormSet = forms.formset_factory(CreditLineForm, extra=3)


class RefundForm(forms.Form):
    amount = bounded_decimal_field(Refund, "amount", min_value=0)
    date = forms.DateField(widget=DateInput)
    method = forms.ChoiceField(choices=PaymentForm.base_fields["method"].choices, required=False)
    reference = forms.CharField(max_length=100, required=False)
