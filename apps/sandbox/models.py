"""State of the built-in QuickBooks Online, Xero and MYOB Business sandboxes.

Records are stored as the provider's own JSON, one row each, so both providers share the tables
and the sandbox survives restarts on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.db import models


class Provider(models.TextChoices):
    QUICKBOOKS = "quickbooks", "QuickBooks Online"
    XERO = "xero", "Xero"
    MYOB = "myob", "MYOB Business"
    STRIPE = "stripe", "Stripe"


class SandboxApp(models.Model):
    """A developer app registered with a sandbox provider (client id / secret, webhooks)."""

    provider = models.CharField(max_length=20, choices=Provider.choices)
    name = models.CharField(max_length=200)
    client_id = models.CharField(max_length=100, unique=True)
    client_secret = models.CharField(max_length=200)
    redirect_uris = models.JSONField(default=list, blank=True)
    webhook_url = models.URLField(max_length=500, blank=True)
    # QBO calls it the verifier token, Xero the webhook key: both sign notifications.
    webhook_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_provider_display()} app {self.name}"


class SandboxCompany(models.Model):
    """A QBO company (realm) or a Xero organisation (tenant)."""

    provider = models.CharField(max_length=20, choices=Provider.choices)
    external_id = models.CharField(max_length=64, unique=True)  # realmId or tenantId
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, default="US")
    currency = models.CharField(max_length=3, default="USD")
    payroll_enabled = models.BooleanField(default=True)
    # Counters and provider-specific settings (next DocNumber, preferences ...).
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "sandbox companies"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()} {self.external_id})"


class SandboxGrant(models.Model):
    """An authorization code handed out by the sandbox's consent page."""

    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE)
    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE)
    code = models.CharField(max_length=100, unique=True)
    redirect_uri = models.URLField(max_length=500)
    scope = models.CharField(max_length=500, blank=True)
    code_challenge = models.CharField(max_length=200, blank=True)
    code_challenge_method = models.CharField(max_length=10, blank=True)
    # Xero: every organisation the person ticked on the consent page (``company`` first).
    tenant_ids = models.JSONField(null=True, blank=True, default=None)
    used = models.BooleanField(default=False)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Code for {self.app.name} on {self.company.name}"


class SandboxToken(models.Model):
    """An access / refresh token pair. Refreshing supersedes the row; the old refresh token
    keeps working until ``superseded_at`` plus the provider's grace period."""

    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE)
    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE)
    access_token = models.CharField(max_length=200, unique=True)
    refresh_token = models.CharField(max_length=200, unique=True)
    scope = models.CharField(max_length=500, blank=True)
    access_expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    # Xero: the tenants this token may call, its connections; ``None`` means ``company`` only.
    # Deleting a connection takes its tenant out and leaves the token working for the others.
    tenant_ids = models.JSONField(null=True, blank=True, default=None)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Tokens of {self.app.name} for {self.company.name}"


class SandboxRecord(models.Model):
    """One entity of one company, stored as the provider's JSON."""

    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE, related_name="records")
    entity = models.CharField(max_length=40)  # "Customer", "Invoice", "Contacts" ...
    record_id = models.CharField(max_length=64)
    data = models.JSONField()
    version = models.PositiveIntegerField(default=0)  # QBO SyncToken
    deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(db_index=True)
    # Copies of the fields clients search by (apps.sandbox.keys), kept by apps.sandbox.store.
    name_key = models.CharField(max_length=255, blank=True, default="")
    email_key = models.CharField(max_length=255, blank=True, default="")
    number_key = models.CharField(max_length=255, blank=True, default="")
    owner_key = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "entity", "record_id"], name="sandbox_record_unique"
            )
        ]
        indexes = [
            models.Index(fields=["company", "entity", "updated_at"]),
            models.Index(fields=["company", "entity", "name_key"], name="sandbox_record_name"),
            models.Index(fields=["company", "entity", "email_key"], name="sandbox_record_email"),
            models.Index(fields=["company", "entity", "number_key"], name="sandbox_record_number"),
            models.Index(fields=["company", "entity", "owner_key"], name="sandbox_record_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.record_id} v{self.version}"


class SandboxIdempotentResponse(models.Model):
    """The first answer to a request carrying a QBO ``requestid`` or a Xero or Stripe
    ``Idempotency-Key``."""

    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE)
    # The longest key kept whole: Stripe's 255 characters with the "stripe:" prefix.
    key = models.CharField(max_length=300)
    # What the first request asked, for a provider that refuses a key reused with other
    # parameters (Stripe); "" where the provider does not compare them.
    request_digest = models.CharField(max_length=64, blank=True, default="")
    status = models.PositiveSmallIntegerField()
    body = models.TextField()
    content_type = models.CharField(max_length=100, default="application/json")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "key"], name="sandbox_idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"Answer to {self.key}"


class SandboxRequest(models.Model):
    """The request log: tests and benchmarks count calls with it."""

    company = models.ForeignKey(SandboxCompany, null=True, blank=True, on_delete=models.CASCADE)
    provider = models.CharField(max_length=20, choices=Provider.choices)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


class SandboxFault(models.Model):
    """Answer the next ``remaining`` requests to a company (optionally only matching paths)
    with a fault instead of the real answer."""

    class Kind(models.TextChoices):
        THROTTLE = "429", "429 throttled"
        SERVER_ERROR = "500", "500 server error"
        UNAVAILABLE = "503", "503 unavailable"
        TIMEOUT = "timeout", "time-out"
        MALFORMED = "malformed", "malformed body"
        EXPIRED_TOKEN = "401", "401 expired token"

    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE, related_name="faults")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    remaining = models.PositiveIntegerField(default=1)
    path_contains = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} x{self.remaining}"


class SandboxWebhookDelivery(models.Model):
    """A notification to an app's webhook URL, redelivered until it is accepted."""

    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE)
    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE)
    payload = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Webhook to {self.app.name}, {self.attempts} attempt(s)"
