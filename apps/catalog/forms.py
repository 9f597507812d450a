from __future__ import annotations

from django import forms

from apps.common.bounds import bounded_decimal_field

from .models import ServiceItem


class ServiceItemForm(forms.ModelForm):
    # No lower bound here: the service says why a negative price is refused.
    unit_price = bounded_decimal_field(ServiceItem, "unit_price")

    class Meta:
        model = ServiceItem
        fields = ["name", "description", "unit_price", "taxable", "active"]

    def _post_clean(self):
        # The service validates and saves (unique names included).
        pass
