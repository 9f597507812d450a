"""Review requests: the e-mail a customer is sent once their first invoice is fully paid in an
integration, and each integration's wording of it."""

from __future__ import annotations

from django.db import models

DEFAULT_SUBJECT = "How did we do, {customer}?"
DEFAULT_BODY = (
    "Hello {customer},\n\n"
    "Thank you for your payment of invoice {invoice}. We hope you were happy with our work.\n"
    "Could you spare a minute to tell others about it? {link}\n\n"
    "Thank you,\n{organisation}"
)


class ReviewSettings(models.Model):
    """The wording and link of one integration's review requests (whether they are sent at all
    is the integration's own *Review automation* switch)."""

    integration = models.OneToOneField(
        "integrations.Integration", on_delete=models.CASCADE, related_name="review_settings"
    )
    subject = models.CharField(max_length=200, default=DEFAULT_SUBJECT)
    body = models.TextField(default=DEFAULT_BODY)
    link = models.URLField("review link", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "review settings"

    def __str__(self) -> str:
        return f"review settings of integration {self.integration_id}"


class ReviewRequest(models.Model):
    """One customer's review request: at most one per customer, ever. The unique customer is
    what keeps two workers pulling the same payment at once from sending two e-mails."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Sending failed, will retry"
        NO_EMAIL = "no_email", "Not sent: no e-mail address"

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="review_request"
    )
    invoice = models.ForeignKey("invoices.Invoice", null=True, on_delete=models.SET_NULL)
    integration = models.ForeignKey(
        "integrations.Integration", null=True, on_delete=models.SET_NULL
    )
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set while one worker sends it, so a retry running at the same moment leaves it alone.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"review request to customer {self.customer_id} ({self.status})"
