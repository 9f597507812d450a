from __future__ import annotations

from django import forms

from apps.integrations.models import Integration

from .models import Kind, SyncLogEntry
from .selectors import LogFilters


class LogFilterForm(forms.Form):
    """The Sync Log's filters, read from the address (GET), so a filtered log can be shared and
    the back button returns to the previous filters."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Number or name, e.g. INV-0007"}
        ),
    )
    integration = forms.ModelChoiceField(
        queryset=Integration.objects.none(), required=False, empty_label="All integrations"
    )
    kind = forms.ChoiceField(choices=[("", "All records"), *Kind.choices], required=False)
    outcome = forms.ChoiceField(
        choices=[("", "All outcomes"), *SyncLogEntry.Outcome.choices], required=False
    )
    direction = forms.ChoiceField(
        choices=[("", "Both directions"), *SyncLogEntry.Direction.choices], required=False
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    unchanged = forms.BooleanField(label="Show unchanged records", required=False)

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
            direction=data.get("direction", ""),
            search=data.get("q", ""),
            unchanged=data.get("unchanged", False),
            since=data.get("since"),
            until=data.get("until"),
        )
