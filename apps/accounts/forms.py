from __future__ import annotations

import zoneinfo

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
        shown_plain=True,
        help_text="Every new quote and invoice starts with this rate; each can still change it.",
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Dates and times on every page, the Sync Log and the nightly export use it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = sorted(zoneinfo.available_timezones())
        self.fields["time_zone"].choices = [(zone, zone.replace("_", " ")) for zone in zones]
