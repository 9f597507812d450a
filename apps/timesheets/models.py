from __future__ import annotations

from django.db import models
from django.urls import reverse

from apps.common.documents import NON_NEGATIVE


class TeamMember(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="team_members"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    hourly_rate = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Timesheet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE)
    member = models.ForeignKey(TeamMember, on_delete=models.PROTECT, related_name="timesheets")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-period_start", "member__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "period_start"], name="timesheet_member_period_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.period_start:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("timesheets:detail", args=[self.pk])


class TimeEntry(models.Model):
    timesheet = models.ForeignKey(Timesheet, on_delete=models.CASCADE, related_name="entries")
    date = models.DateField()
    hours = models.DecimalField(max_digits=5, decimal_places=2, validators=NON_NEGATIVE)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL
    )
    service_item = models.ForeignKey(
        "catalog.ServiceItem", null=True, blank=True, on_delete=models.SET_NULL
    )
    notes = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name_plural = "time entries"

    def __str__(self) -> str:
        return f"{self.hours} h on {self.date:%d %b %Y}"
