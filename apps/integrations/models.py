from __future__ import annotations

from django.db import models


class Provider(models.TextChoices):
    QUICKBOOKS = "quickbooks", "QuickBooks Online"
    XERO = "xero", "Xero"
    MYOB = "myob", "MYOB Business"


class Region(models.TextChoices):
    US = "us", "US"
    CANADA = "ca", "Canada"
    GLOBAL = "global", "Global"


class Integration(models.Model):
    """One connected company of one provider for one organisation."""

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
        DISCONNECTED = "disconnected", "Disconnected"

    class ExportTiming(models.TextChoices):
        IMMEDIATE = "immediate", "Immediately"
        NIGHTLY = "nightly", "Nightly batch"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="integrations"
    )
    provider = models.CharField(max_length=20, choices=Provider.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    remote_company_id = models.CharField(max_length=64)  # realmId / tenantId
    remote_company_name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    region = models.CharField(max_length=10, choices=Region.choices, default=Region.GLOBAL)

    # Tokens, encrypted with TOKEN_ENCRYPTION_KEYS (apps.integrations.crypto).
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    # Set while one worker refreshes the tokens, so that others wait for its result instead of
    # spending the same refresh token (apps.integrations.tokens).
    token_refresh_claimed_until = models.DateTimeField(null=True, blank=True)

    # Settings (docs/sync-rules.md, "Sync to and Sync from").
    sync_enabled = models.BooleanField("Enable Sync", default=True)
    customers_sync_to = models.BooleanField(default=True)
    customers_sync_from = models.BooleanField(default=True)
    invoices_sync_to = models.BooleanField(default=True)
    invoices_sync_from = models.BooleanField(default=True)
    quotes_sync_to = models.BooleanField(default=True)
    quotes_sync_from = models.BooleanField(default=True)
    payments_sync_to = models.BooleanField(default=True)
    items_sync_to = models.BooleanField(default=False)
    timesheets_sync_to = models.BooleanField(default=False)
    timesheets_sync_start = models.DateField(null=True, blank=True)
    import_historical_invoices = models.BooleanField(default=False)
    review_automation = models.BooleanField(default=False)
    invoice_export_timing = models.CharField(
        max_length=20, choices=ExportTiming.choices, default=ExportTiming.IMMEDIATE
    )
    nightly_export_time = models.TimeField(null=True, blank=True)

    # A new connection waits for staff to look at what its first sync will do and click Start
    # (docs/sync-rules.md, "Connecting, disconnecting, reconnecting"); meanwhile nothing is
    # sent or brought in.
    waiting_for_start = models.BooleanField(default=False)
    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "provider"], name="one_company_per_provider"
            )
        ]

    def __str__(self) -> str:
        name = self.remote_company_name or self.remote_company_id
        return f"{self.get_provider_display()} ({name})"

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED

    @property
    def syncing(self) -> bool:
        """Connected, Enable Sync on, and its first sync started by staff."""
        return self.is_connected and self.sync_enabled and not self.waiting_for_start

    def syncs_to(self, kind: str) -> bool:
        """Whether hub changes of ``kind`` go to this integration now (master switch included)."""
        return self.syncing and getattr(self, f"{TOGGLE_OF.get(kind, f'{kind}s')}_sync_to", False)

    def syncs_from(self, kind: str) -> bool:
        return self.syncing and getattr(
            self, f"{TOGGLE_FROM.get(kind, f'{kind}s')}_sync_from", False
        )


# Kinds without switches of their own follow another's (docs/credit-notes.md): time entries the
# timesheets toggle, credit notes the invoices', refunds the payments' going out and the
# invoices' coming in (as pulled payments do).
TOGGLE_OF = {"time_entry": "timesheets", "credit_note": "invoices", "refund": "payments"}
TOGGLE_FROM = {"credit_note": "invoices", "refund": "invoices"}


class WebhookEvent(models.Model):
    """A provider notification, kept so a redelivery is recognised and dropped."""

    provider = models.CharField(max_length=20, choices=Provider.choices)
    event_id = models.CharField(max_length=200)
    integration = models.ForeignKey(Integration, null=True, blank=True, on_delete=models.CASCADE)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} event {self.event_id}"


class EmployeeMapping(models.Model):
    """Which employee of the integration's company a team member's time is recorded under
    (QuickBooks TimeActivity ``EmployeeRef``); set on the Employee mapping page."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="employee_mappings"
    )
    member = models.ForeignKey(
        "timesheets.TeamMember", on_delete=models.CASCADE, related_name="employee_mappings"
    )
    remote_id = models.CharField(max_length=64)
    remote_name = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "member"], name="employee_mapping_one_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} → employee {self.remote_name or self.remote_id}"


class ConnectionWarningSent(models.Model):
    """A connection warning e-mailed to the organisation's staff: once per connection and
    warning (``apps.integrations.warnings``, ``Warning.key``), however many times it is checked."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="warnings_sent"
    )
    key = models.CharField(max_length=40)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "key"], name="connection_warning_once")
        ]

    def __str__(self) -> str:
        return f"warning {self.key} of integration {self.integration_id}"
