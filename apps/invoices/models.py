from __future__ import annotations

from django.db import models
from django.urls import reverse

from apps.common.documents import Document, DocumentLine
from apps.common.money import ZERO


class Invoice(Document):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    due_date = models.DateField(null=True, blank=True)
    amount_paid = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Set when the invoice came in through "Import historical invoices": it is never pushed
    # back to that integration.
    imported_from = models.ForeignKey(
        "integrations.Integration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imported_invoices",
    )

    class Meta(Document.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="invoice_number_unique")
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def get_absolute_url(self) -> str:
        return reverse("invoices:detail", args=[self.pk])

    @property
    def balance(self):
        return self.total - self.amount_paid

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SENT)

    @property
    def can_cancel(self) -> bool:
        return self.is_editable and not self.amount_paid

    @property
    def is_payable(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.PARTIALLY_PAID)


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")


class Payment(models.Model):
    class Source(models.TextChoices):
        HUB = "hub", "Recorded here"
        ONLINE = "online", "Collected online"
        INTEGRATION = "integration", "Recorded in an accounting system"

    # A payment collected online without an invoice has only a customer (a SalesReceipt in QBO).
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    date = models.DateField()
    method = models.CharField(max_length=50, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.HUB)
    source_integration = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.SET_NULL
    )
    voided = models.BooleanField(default=False)
    # The Stripe charge a card payment was collected with (``ch_…``): a Stripe payout's
    # charges are linked back to their payments by it (docs/payouts.md).
    stripe_charge_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_charge_id"],
                condition=~models.Q(stripe_charge_id=""),
                name="payment_one_per_stripe_charge",
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} on {self.invoice or self.customer}"
