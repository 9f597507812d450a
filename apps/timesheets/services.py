"""Timesheets: a team member's hours for a period, draft → submitted → approved.

Approval is what makes entries count: each approved entry is recorded for sync."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.common.bounds import fits, limit_of, too_large_message
from apps.common.changes import record_change

from .models import TeamMember, TimeEntry, Timesheet

MAX_HOURS_PER_ENTRY = Decimal("24")


def team_member_create(*, organisation, name: str, email: str = "", hourly_rate=None) -> TeamMember:
    if not name.strip():
        raise ValidationError({"name": "Enter the team member's name."})
    rate_limit = limit_of(TeamMember, "hourly_rate")
    if hourly_rate is not None and not fits(hourly_rate, rate_limit):
        raise ValidationError({"hourly_rate": too_large_message(rate_limit)})
    return TeamMember.objects.create(
        organisation=organisation, name=name.strip(), email=email.strip(), hourly_rate=hourly_rate
    )


def timesheet_create(*, member: TeamMember, period_start: date, period_end: date) -> Timesheet:
    if period_end < period_start:
        raise ValidationError({"period_end": "The period cannot end before it starts."})
    if Timesheet.objects.filter(member=member, period_start=period_start).exists():
        raise ValidationError(
            {"period_start": f"{member} already has a timesheet starting {period_start:%d %b %Y}."}
        )
    return Timesheet.objects.create(
        organisation_id=member.organisation_id,
        member=member,
        period_start=period_start,
        period_end=period_end,
    )


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": "Enter the hours as a number, e.g. 7.5."}) from None
    if not Decimal("0") < hours <= MAX_HOURS_PER_ENTRY:
        limit = MAX_HOURS_PER_ENTRY
        raise ValidationError({"hours": f"Hours must be more than 0 and at most {limit}."})
    return hours


def _require(timesheet: Timesheet, status: str, action: str) -> None:
    if timesheet.status != status:
        raise ValidationError(
            f"This timesheet is {timesheet.get_status_display().lower()}, so it cannot be {action}."
        )


def timesheet_add_entry(
    *, timesheet: Timesheet, date: date, hours, customer=None, service_item=None, notes: str = ""
) -> TimeEntry:
    errors: dict[str, str] = {}
    if not timesheet.period_start <= date <= timesheet.period_end:
        start, end = timesheet.period_start, timesheet.period_end
        errors["date"] = f"Pick a day between {start:%d %b} and {end:%d %b %Y}."
    for field, record in (("customer", customer), ("service_item", service_item)):
        if record is not None and record.organisation_id != timesheet.organisation_id:
            errors[field] = "Choose one of your own."
    if errors:
        raise ValidationError(errors)
    hours = _hours(hours)
    with transaction.atomic():
        timesheet = Timesheet.objects.select_for_update().get(pk=timesheet.pk)
        _require(timesheet, Timesheet.Status.DRAFT, "changed")
        return TimeEntry.objects.create(
            timesheet=timesheet,
            date=date,
            hours=hours,
            customer=customer,
            service_item=service_item,
            notes=notes.strip(),
        )


def timesheet_remove_entry(*, entry: TimeEntry) -> None:
    with transaction.atomic():
        timesheet = Timesheet.objects.select_for_update().get(pk=entry.timesheet_id)
        _require(timesheet, Timesheet.Status.DRAFT, "changed")
        entry.delete()


def timesheet_submit(*, timesheet: Timesheet, by=None) -> Timesheet:
    with transaction.atomic():
        timesheet = Timesheet.objects.select_for_update().get(pk=timesheet.pk)
        _require(timesheet, Timesheet.Status.DRAFT, "submitted")
        if not timesheet.entries.exists():
            raise ValidationError("Add at least one entry before submitting the timesheet.")
        timesheet.status = Timesheet.Status.SUBMITTED
        timesheet.submitted_at = timezone.now()
        timesheet.save(update_fields=["status", "submitted_at"])
    return timesheet


def timesheet_approve(*, timesheet: Timesheet, by) -> Timesheet:
    with transaction.atomic():
        timesheet = Timesheet.objects.select_for_update().get(pk=timesheet.pk)
        _require(timesheet, Timesheet.Status.SUBMITTED, "approved")
        timesheet.status = Timesheet.Status.APPROVED
        timesheet.approved_at = timezone.now()
        timesheet.approved_by = by
        timesheet.save(update_fields=["status", "approved_at", "approved_by"])
        for entry_id in timesheet.entries.values_list("pk", flat=True):
            record_change(
                organisation_id=timesheet.organisation_id, kind="time_entry", object_id=entry_id
            )
    return timesheet


def time_entries_customer_move(sender, *, keep, duplicate, **kwargs) -> dict[str, int]:
    """A customer merge (``apps.customers.signals.customer_merging``): the duplicate's time
    entries now belong to the customer kept."""
    return {"time_entries": TimeEntry.objects.filter(customer=duplicate).update(customer=keep)}


def time_entries_customer_count(sender, *, duplicate_ids, **kwargs) -> dict[str, int]:
    """A customer merge's preview: the time entries that would move."""
    return {"time_entries": TimeEntry.objects.filter(customer_id__in=duplicate_ids).count()}
