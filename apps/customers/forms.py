from __future__ import annotations

from django import forms

from .models import Customer


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "title",
            "given_name",
            "family_name",
            "company_name",
            "display_name",
            "email",
            "phone",
            "billing_line1",
            "billing_line2",
            "billing_city",
            "billing_region",
            "billing_postal_code",
            "billing_country",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"display_name": "How the customer appears on documents and in lists."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service fills the display name from the person or company when left blank.
        self.fields["display_name"].required = False

    def _post_clean(self):
        # Validation and saving belong to the service; the form only parses.
        pass


class MergeForm(forms.Form):
    keep = forms.ModelChoiceField(
        queryset=Customer.objects.none(),
        widget=forms.RadioSelect,
        label="Customer to keep",
        empty_label=None,
    )

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = customers
