from __future__ import annotations

from django import forms

from . import registry
from .models import Integration
from .services import CONNECT_OPTIONS

OPTION_LABELS = {
    "customers_sync_to": "Send customers",
    "customers_sync_from": "Bring in customers",
    "invoices_sync_to": "Send invoices",
    "invoices_sync_from": "Bring in invoices",
    "quotes_sync_to": "Send quotes",
    "quotes_sync_from": "Bring in quotes",
    "payments_sync_to": "Send payments collected here",
    "items_sync_to": "Send service items",
    "import_historical_invoices": "Import historical invoices",
    "review_automation": "Review automation",
}


class IntegrationSettingsForm(forms.ModelForm):
    """The integration's own settings page (docs/sync-rules.md, "Sync to and Sync from")."""

    class Meta:
        model = Integration
        fields = [
            "sync_enabled",
            "customers_sync_to",
            "customers_sync_from",
            "payments_sync_to",
            "payouts_sync_to",
            "invoice_export_timing",
            "nightly_export_time",
            "items_sync_to",
            "timesheets_sync_to",
            "timesheets_sync_start",
            "import_historical_invoices",
        ]
        labels = {
            "sync_enabled": "Enable Sync",
            "customers_sync_to": "Sync customers to",
            "customers_sync_from": "Sync customers from",
            "payments_sync_to": "Sync payments the hub collects to",
            "payouts_sync_to": "Sync Stripe payouts to",
            "invoice_export_timing": "Send invoices",
            "nightly_export_time": "Nightly at (local time)",
            "items_sync_to": "Sync service items to",
            "timesheets_sync_to": "Sync approved timesheets to",
            "timesheets_sync_start": "Sync start date",
            "import_historical_invoices": OPTION_LABELS["import_historical_invoices"],
        }
        widgets = {
            "invoice_export_timing": forms.RadioSelect,
            "nightly_export_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "timesheets_sync_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.sync_enabled:
            # Master switch off: the toggles are shown disabled and keep their saved values.
            for name in self.Meta.fields[1:]:
                self.fields[name].disabled = True
        if not registry.capabilities_of(self.instance).time_activities:
            # Without time activities in the provider's API, timesheets have nowhere to go
            # (docs/sync-rules.md, "Timesheets").
            for name in ("timesheets_sync_to", "timesheets_sync_start"):
                self.fields[name].disabled = True
        if not registry.capabilities_of(self.instance).payouts:
            # Payouts are recorded only where the provider takes them (docs/payouts.md).
            self.fields["payouts_sync_to"].disabled = True

    def clean_timesheets_sync_start(self):
        start = self.cleaned_data.get("timesheets_sync_start")
        today = self.instance.organisation.today()
        if start is not None and start > today:
            raise forms.ValidationError(
                f"The sync start date cannot be in the future: choose {today:%d %b %Y} or an "
                "earlier date."
            )
        return start

    def clean(self) -> dict:
        data = super().clean()
        if data.get("invoice_export_timing") == Integration.ExportTiming.NIGHTLY and not data.get(
            "nightly_export_time"
        ):
            self.add_error("nightly_export_time", "Choose the local time the nightly export runs.")
        return data


class DocumentTogglesForm(forms.Form):
    """One integration's "Sync to" / "Sync from" pair on Invoice or Quote Settings."""

    integration = forms.IntegerField(widget=forms.HiddenInput)
    sync_to = forms.BooleanField(required=False)
    sync_from = forms.BooleanField(required=False)


class ConnectOptionsForm(forms.ModelForm):
    """The choices made before the consent page (docs/sync-rules.md, "Connecting,
    disconnecting, reconnecting"): what goes out, what comes in, the one-off import of earlier
    invoices and review automation. Kept in the session across the provider's consent and
    applied when the connection is stored; the same fields stay on the settings pages."""

    class Meta:
        model = Integration
        fields = list(CONNECT_OPTIONS)
        labels = OPTION_LABELS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not registry.capabilities_of(self.instance).quotes:
            for name in ("quotes_sync_to", "quotes_sync_from"):
                del self.fields[name]

    def options(self) -> dict[str, bool]:
        return {name: bool(self.cleaned_data[name]) for name in self.fields}
