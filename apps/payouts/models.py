"""Stripe payouts as the hub keeps them (docs/payouts.md): one row per payout, one line per
balance transaction it carried, each charge linked to the hub payment it came from."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Payout(models.Model):
    class Status(models.TextChoices):
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="payouts"
    )
    stripe_payout_id = models.CharField(max_length=255, unique=True)  # po_…
    status = models.CharField(max_length=10, choices=Status.choices)
    currency = models.CharField(max_length=3)
    # What reached the bank (Stripe's payout amount) = gross - fees.
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    gross = models.DecimalField(max_digits=14, decimal_places=2)
    fees = models.DecimalField(max_digits=14, decimal_places=2)
    # Gross of the charges no hub payment carries: left on the clearing account to explain.
    unknown_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    arrival_date = models.DateField()
    failure_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-arrival_date", "-id"]

    def __str__(self) -> str:
        return f"Stripe payout {self.stripe_payout_id} ({self.amount} {self.currency})"


class PayoutLine(models.Model):
    """One balance transaction of the payout: a charge (gross, its fee, net), a refund, an
    adjustment, or a failed payout's funds coming back."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="lines")
    balance_transaction_id = models.CharField(max_length=255)  # txn_…
    kind = models.CharField(max_length=40)  # Stripe's balance transaction type
    source_id = models.CharField(max_length=255, blank=True)  # ch_…, re_…
    description = models.CharField(max_length=500, blank=True)
    gross = models.DecimalField(max_digits=14, decimal_places=2)
    fee = models.DecimalField(max_digits=14, decimal_places=2)
    net = models.DecimalField(max_digits=14, decimal_places=2)
    payment = models.ForeignKey(
        "invoices.Payment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payout_lines",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payout", "balance_transaction_id"], name="payout_line_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id or self.balance_transaction_id}: {self.gross}"

    @property
    def unknown(self) -> bool:
        """A charge no hub payment carries."""
        return self.kind == "charge" and self.payment_id is None
