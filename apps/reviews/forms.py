from __future__ import annotations

from django import forms

from .models import ReviewSettings


class ReviewSettingsForm(forms.ModelForm):
    """Review automation on the integration's settings page: the switch and the e-mail."""

    review_automation = forms.BooleanField(label="Review automation", required=False)
    link = forms.URLField(
        label="Review link",
        required=False,
        assume_scheme="https",
        help_text="Where customers leave their review (e.g. your Google or Trustpilot page).",
    )

    class Meta:
        model = ReviewSettings
        fields = ["subject", "body", "link"]
        labels = {"subject": "Subject", "body": "Text"}
        widgets = {"body": forms.Textarea(attrs={"rows": 7})}

    def __init__(self, *args, integration, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["review_automation"].initial = integration.review_automation
        self.order_fields(["review_automation", "subject", "body", "link"])

    def clean(self) -> dict:
        data = super().clean()
        if data.get("review_automation") and not data.get("link"):
            self.add_error("link", "Give the review link your customers are sent to.")
        return data
