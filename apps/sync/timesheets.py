"""Time entries in the engine (docs/sync-rules.md, "Timesheets"): approved entries become QuickBooks
Online TimeActivities.

An entry is sent only when its timesheet is approved, starts on or after the integration's sync
start date, and its team member is mapped to an employee of that company. Providers whose
capabilities have no time activities (Xero's accounting API) get nothing. QuickBooks itself
refuses employee time without Payroll; that refusal is parked with QuickBooks' own message,
like any validation error.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from apps.integrations import registry
from apps.integrations.models import EmployeeMapping, Integration
from apps.timesheets.models import TimeEntry, Timesheet

from .models import Kind, Link

ENTRY_FIELDS = ("date", "hours", "customer_id", "service_item_id", "notes")
NOT_APPROVED = "Only entries of approved timesheets are synced."


def before_start(timesheet: Timesheet, start: date | None) -> str:
    if start is None:
        return "Timesheet sync has no start date yet: turn timesheet sync on to set one."
    return (
        f"The timesheet starts {timesheet.period_start:%d %b %Y}, before the timesheet sync start "
        f"date ({start:%d %b %Y})."
    )


def no_time_activities(integration: Integration) -> str:
    able = registry.display_names_where(lambda offers: offers.time_activities)
    name = registry.provider(integration.provider).display_name
    return f"{name}'s accounting API has no time activities: timesheets sync to {able} only."


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
    if not registry.capabilities_of(integration).time_activities:
        return no_time_activities(integration)
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
    if not registry.capabilities_of(integration).time_activities or start is None:
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
