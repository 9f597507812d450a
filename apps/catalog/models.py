from __future__ import annotations

from django.db import models
from django.urls import reverse

from apps.common.documents import NON_NEGATIVE


class ServiceItem(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="service_items"
    )
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, validators=NON_NEGATIVE)
    taxable = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    # Which demo item this is (manage.py seed_demo), whatever a ledger renamed it to.
    demo_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="service_item_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:edit", args=[self.pk])
