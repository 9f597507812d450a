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
        # Nothing is owed because credit notes took back the whole total (docs/credit-notes.md).
        CREDITED = "credited", "Credited"
        CANCELLED = "cancelled", "Cancelled"

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    due_date = models.DateField(null=True, blank=True)
    amount_paid = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    # What issued credit notes took off this invoice (their allocations), and what was paid
    # back of its payments: stored by the services, like ``amount_paid`` (docs/credit-notes.md).
    amount_credited = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    amount_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
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
        """The amount due: the total less payments and credit notes. A refund pays money back
        for part of what was charged (docs/credit-notes.md): it changes neither."""
        return self.total - self.amount_paid - self.amount_credited

    @property
    def is_editable(self) -> bool:
        # Once credited, the lines are what the credit notes refer to: they stay as they are.
        return self.status in (self.Status.DRAFT, self.Status.SENT) and not self.amount_credited

    @property
    def can_cancel(self) -> bool:
        return self.is_editable and not self.amount_paid

    @property
    def can_credit(self) -> bool:
        """Sent (paid or not) and not wholly credited yet (docs/credit-notes.md)."""
        live = (self.Status.SENT, self.Status.PARTIALLY_PAID, self.Status.PAID)
        return self.status in live and self.amount_credited < self.total

    @property
    def is_payable(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.PARTIALLY_PAID)


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")


class MoneyMoved(models.Model):
    """What a payment and a refund share: an amount of money on a date, how and by which
    reference, and the integration it came from."""

    amount = models.DecimalField(max_digits=14, decimal_places=2)
    date = models.DateField()
    method = models.CharField(max_length=50, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    source_integration = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.SET_NULL
    )
    voided = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-date", "-id"]


class Payment(MoneyMoved):
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
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.HUB)
    # The Stripe charge a card payment was collected with (``ch_…``): a Stripe payout's
    # charges are linked back to their payments by it (docs/payouts.md).
    stripe_charge_id = models.CharField(max_length=255, blank=True, default="")

    class Meta(MoneyMoved.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_charge_id"],
                condition=~models.Q(stripe_charge_id=""),
                name="payment_one_per_stripe_charge",
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} on {self.invoice or self.customer}"

    @property
    def refundable(self):
        """What can still be paid back of this payment."""
        if self.voided:
            return ZERO
        refunded = sum((r.amount for r in self.refunds.all() if not r.voided), ZERO)
        return self.amount - refunded


class Origin(models.TextChoices):
    HUB = "hub", "Made here"
    INTEGRATION = "integration", "Made in an accounting system"


class CreditNote(Document):
    """A credit note against one invoice: all of it or part, with its own lines
    (docs/credit-notes.md). It shares the invoice's customer, currency, tax rate and document
    discount, so that its lines are taxed as the invoice's were.

    ``amount_allocated`` is what it took off the invoice's amount due when issued (at most the
    balance then); the rest (``remaining_credit``) is the customer's, to be refunded."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"
        VOID = "void", "Void"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    amount_allocated = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    amount_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.HUB)
    source_integration = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.SET_NULL
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta(Document.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="credit_note_number_unique"
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("invoices:credit_note", args=[self.pk])

    @property
    def remaining_credit(self):
        """Credit not taken off the invoice and not paid back yet."""
        if self.status != self.Status.ISSUED:
            return ZERO
        return self.total - self.amount_allocated - self.amount_refunded


class CreditNoteLine(DocumentLine):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")


class Refund(MoneyMoved):
    """Money paid back to the customer: of a payment (at most what is left of it), or of a
    credit note's remaining credit. Exactly one of the two (docs/credit-notes.md)."""

    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    credit_note = models.ForeignKey(
        CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    # The invoice the payment or the credit note belongs to (None: a payment without invoice).
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="refunds"
    )
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.HUB)

    class Meta(MoneyMoved.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payment__isnull=True) ^ models.Q(credit_note__isnull=True),
                name="refund_of_payment_or_credit_note",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_positive"),
        ]

    def __str__(self) -> str:
        return f"Refund of {self.amount} to {self.customer}"
