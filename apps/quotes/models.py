from __future__ import annotations

from django.db import models
from django.urls import reverse

from apps.common.documents import Document, DocumentLine


class Quote(Document):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    expiry_date = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    converted_invoice = models.OneToOneField(
        "invoices.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="quote"
    )

    class Meta(Document.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="quote_number_unique")
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def get_absolute_url(self) -> str:
        return reverse("quotes:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SENT)

    @property
    def can_cancel(self) -> bool:
        open_states = (self.Status.DRAFT, self.Status.SENT, self.Status.ACCEPTED)
        return self.status in open_states and not self.converted_invoice_id


class QuoteLine(DocumentLine):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
