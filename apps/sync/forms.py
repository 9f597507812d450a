from __future__ import annotations

from django import forms

from apps.integrations.models import Integration

from .models import Kind, SyncLogEntry
from .selectors import LogFilters


class LogFilterForm(forms.Form):
    integration = forms.ModelChoiceField(
        queryset=Integration.objects.none(), required=False, empty_label="All integrations"
    )
    kind = forms.ChoiceField(choices=[("", "All records"), *Kind.choices], required=False)
    outcome = forms.ChoiceField(
        choices=[("", "All outcomes"), *SyncLogEntry.Outcome.choices], required=False
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["integration"].queryset = Integration.objects.filter(organisation=organisation)

    def filters(self) -> LogFilters:
        """The valid filters; an invalid value is ignored (and shown as such by the form)."""
        data = self.cleaned_data if self.is_valid() else {}
        integration = data.get("integration")
        return LogFilters(
            integration=integration.pk if integration else None,
            kind=data.get("kind", ""),
            outcome=data.get("outcome", ""),
            since=data.get("since"),
            until=data.get("until"),
        )
