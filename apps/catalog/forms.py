from __future__ import annotations

from django import forms

from .models import ServiceItem


class ServiceItemForm(forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields = ["name", "description", "unit_price", "taxable", "active"]

    def _post_clean(self):
        # The service validates and saves (unique names included).
        pass
