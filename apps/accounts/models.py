from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Australia/Sydney).")


class Organisation(models.Model):
    """A business using the product. Every record hangs off one."""

    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. US, AU, GB.")
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. USD, AUD, GBP.")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    default_tax_rate = models.DecimalField(
        "default tax rate %",
        max_digits=7,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="The tax rate every new quote and invoice starts with.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def today(self) -> datetime.date:
        """The date it is now where the business is (document dates default to it)."""
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(self.time_zone))


class User(AbstractUser):
    """A staff user; everything they see is scoped to their organisation."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )


class NumberSequence(models.Model):
    """Last number handed out per organisation and prefix (INV, QU); locked while allocating."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    prefix = models.CharField(max_length=10)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "prefix"], name="number_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.last_value}"
