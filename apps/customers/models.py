from __future__ import annotations

from django.db import models
from django.urls import reverse


class Customer(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="customers"
    )
    title = models.CharField(max_length=20, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    display_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    billing_line1 = models.CharField("address line 1", max_length=200, blank=True)
    billing_line2 = models.CharField("address line 2", max_length=200, blank=True)
    billing_city = models.CharField("city", max_length=100, blank=True)
    billing_region = models.CharField("state / region", max_length=100, blank=True)
    billing_postal_code = models.CharField("postcode", max_length=20, blank=True)
    billing_country = models.CharField("country", max_length=2, blank=True)
    notes = models.TextField(blank=True)
    # Matching keys, kept by the services (see apps.customers.matching).
    email_normalised = models.CharField(max_length=254, blank=True, db_index=True)
    phone_normalised = models.CharField(max_length=40, blank=True, db_index=True)
    name_normalised = models.CharField(max_length=200, blank=True, db_index=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    # Which demo customer this is (manage.py seed_demo), so a second run finds it whatever a
    # ledger renamed it to. Never shown, never synced.
    demo_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "id"]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class CustomerMerge(models.Model):
    """History: which customer was folded into which, by whom, and what moved with it."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="customer_merges"
    )
    kept = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_kept")
    duplicate = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_folded")
    duplicate_display_name = models.CharField(max_length=200)
    merged_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL)
    # Counts of what moved, e.g. {"quotes": 2, "invoices": 1, "payments": 0, "links": 1}.
    moved = models.JSONField(default=dict, blank=True)
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.duplicate_display_name} → {self.kept}"
