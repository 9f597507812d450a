from __future__ import annotations

from django import forms

from apps.catalog.models import ServiceItem
from apps.common.bounds import bounded_decimal_field
from apps.common.forms import DateInput
from apps.customers.models import Customer

from .models import TeamMember, TimeEntry


class TimesheetForm(forms.Form):
    member = forms.ModelChoiceField(queryset=TeamMember.objects.none(), label="Team member")
    period_start = forms.DateField(widget=DateInput)
    period_end = forms.DateField(widget=DateInput)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = TeamMember.objects.filter(
            organisation=organisation, active=True
        )


class TeamMemberForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    hourly_rate = bounded_decimal_field(TeamMember, "hourly_rate", min_value=0, required=False)


class TimeEntryForm(forms.Form):
    date = forms.DateField(widget=DateInput)
    hours = bounded_decimal_field(TimeEntry, "hours", min_value=0)
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), required=False)
    service_item = forms.ModelChoiceField(queryset=ServiceItem.objects.none(), required=False)
    notes = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(
            organisation=organisation, merged_into__isnull=True
        )
        self.fields["service_item"].queryset = ServiceItem.objects.filter(
            organisation=organisation, active=True
        )
