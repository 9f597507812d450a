from __future__ import annotations

from django import forms

from apps.common.bounds import bounded_decimal_field

from .models import Organisation


class OrganisationSettingsForm(forms.Form):
    default_tax_rate = bounded_decimal_field(
        Organisation,
        "default_tax_rate",
        label="Default tax rate %",
        min_value=0,
        max_value=100,
        help_text="Every new quote and invoice starts with this rate; each can still change it.",
    )
