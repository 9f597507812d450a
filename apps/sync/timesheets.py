"""Time entries in the engine (seed 003, "Timesheets"): approved entries become QuickBooks
Online TimeActivities.

An entry is sent only when its timesheet is approved, starts on or after the integration's sync
start date, and its team member is mapped to an employee of that company. Xero's accounting API
has no time activities, so nothing goes there. QuickBooks itself refuses employee time without
Payroll; that refusal is parked with QuickBooks' own message, like any validation error.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.core.exceptions import ValidationError

from apps.integrations.models import EmployeeMapping, Integration
from apps.timesheets.models import TimeEntry, Timesheet

from .models import Kind, Link

ENTRY_FIELDS = ("date", "hours", "customer_id", "service_item_id", "notes")
NOT_IN_XERO = (
    "Xero's accounting API has no time activities: timesheets sync to QuickBooks Online only."
)
NOT_APPROVED = "Only entries of approved timesheets are synced."


def before_start(timesheet: Timesheet, start: date | None) -> str:
    if start is None:
        return "Timesheet sync has no start date yet: turn timesheet sync on to set one."
    return (
        f"The timesheet starts {timesheet.period_start:%d %b %Y}, before the timesheet sync start "
        f"date ({start:%d %b %Y})."
    )


def unmapped(member) -> str:
    return (
        f"Skipped: {member} is not mapped to a QuickBooks employee. Map them on the "
        "integration's Employee mapping page and their approved entries are sent."
    )


def load_entry(object_id: int) -> TimeEntry | None:
    return (
        TimeEntry.objects.select_related(
            "timesheet__member", "customer__merged_into", "service_item"
        )
        .filter(pk=object_id)
        .first()
    )


def employee_of(integration: Integration, member_id: int) -> str | None:
    return (
        EmployeeMapping.objects.filter(integration=integration, member_id=member_id)
        .values_list("remote_id", flat=True)
        .first()
    )


def entry_held_back(integration: Integration, entry: TimeEntry) -> str | None:
    """Why ``entry`` is not sent to ``integration``, or None."""
    if integration.provider == "xero":
        return NOT_IN_XERO
    timesheet = entry.timesheet
    if timesheet.status != Timesheet.Status.APPROVED:
        return NOT_APPROVED
    start = integration.timesheets_sync_start
    if start is None or timesheet.period_start < start:
        return before_start(timesheet, start)
    if employee_of(integration, timesheet.member_id) is None:
        return unmapped(timesheet.member)
    return None


def entry_candidates(integration: Integration, links: dict[int, str]) -> Iterator[TimeEntry]:
    """Approved entries the integration should be sent now: those it does not have yet from
    timesheets on or after the start date, of mapped team members, and linked ones changed
    since. Unmapped members' entries are left out here: they were logged as skipped when their
    timesheet was approved, and come back once the member is mapped."""
    from .fingerprints import fingerprint

    start = integration.timesheets_sync_start
    if integration.provider == "xero" or start is None:
        return
    mapped = EmployeeMapping.objects.filter(integration=integration).values("member_id")
    entries = TimeEntry.objects.filter(
        timesheet__organisation_id=integration.organisation_id,
        timesheet__status=Timesheet.Status.APPROVED,
        timesheet__period_start__gte=start,
        timesheet__member_id__in=mapped,
    ).select_related("timesheet")
    for entry in entries.iterator(chunk_size=500):
        if entry.pk not in links:
            yield entry
        elif links[entry.pk] != fingerprint(Kind.TIME_ENTRY, entry):
            yield entry


def entry_send(ctx, entry: TimeEntry, link: Link | None, key: str):
    """The entry as a TimeActivity; its customer and service item go first when needed."""
    from .items import item_remote
    from .push_one import customer_remote

    employee = employee_of(ctx.integration, entry.timesheet.member_id)
    customer = customer_remote(ctx, entry.customer) if entry.customer_id else None
    item = item_remote(ctx, entry.service_item) if entry.service_item_id else None
    pushed = ctx.adapter.push_time_entry(
        entry,
        link.remote_id if link else None,
        employee_remote_id=employee,
        customer_remote_id=customer,
        item_remote_id=item,
        key=key,
    )
    return pushed, "Updated." if link else "Created as a time activity."


def sync_start_check(integration: Integration, *, previous: date | None) -> bool:
    """Settle the timesheet sync start date before the settings are saved: today (in the
    organisation's time zone) when timesheet sync is first turned on, never a future date.
    True when the date moved earlier, so approved entries from then on are to be queued."""
    today = integration.organisation.today()
    start = integration.timesheets_sync_start
    if integration.timesheets_sync_to and start is None:
        integration.timesheets_sync_start = start = today
    if start is not None and start > today:
        raise ValidationError(
            {
                "timesheets_sync_start": (
                    f"The sync start date cannot be in the future: choose {today:%d %b %Y} or "
                    "an earlier date."
                )
            }
        )
    return previous is not None and start is not None and start < previous
