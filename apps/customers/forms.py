from __future__ import annotations

from django import forms

from .models import Customer
from .services import EDITABLE_FIELDS


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = list(EDITABLE_FIELDS)
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
