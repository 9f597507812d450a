"""Timesheets: approved entries become QuickBooks Online TimeActivities through the engine and
the real adapter, over real HTTP to the sandbox; Xero gets none (docs/sync-rules.md,
"Timesheets")."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.catalog.services import service_item_create
from apps.integrations.employees import employee_mappings_update, remote_employees
from apps.integrations.models import Integration
from apps.integrations.services import integration_settings_update
from apps.sandbox.companies import company_payroll_set
from apps.sandbox.models import SandboxCompany, SandboxRecord
from apps.sync.models import Change, Link, SyncLogEntry
from apps.timesheets.services import (
    team_member_create,
    timesheet_add_entry,
    timesheet_approve,
    timesheet_create,
    timesheet_submit,
)
from tests.sync.test_end_to_end import drain_until_done

pytestmark = pytest.mark.django_db(transaction=True)


def time_activities(integration):
    return SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id, entity="TimeActivity", deleted=False
    )


def timesheets_on(integration: Integration, **values) -> Integration:
    return integration_settings_update(
        integration=integration, values={"timesheets_sync_to": True, **values}
    )


def map_member(integration: Integration, member, name: str = "Emily Platt") -> str:
    employees, error = remote_employees(integration=integration)
    assert not error
    employee = next(e for e in employees if e.name == name)
    employee_mappings_update(
        integration=integration, choices={member.pk: employee.remote_id}, employees=employees
    )
    return employee.remote_id


def timesheet(member, start: date, *, status: str = "approved", customer=None, item=None):
    sheet = timesheet_create(member=member, period_start=start, period_end=start + timedelta(6))
    timesheet_add_entry(
        timesheet=sheet,
        date=start,
        hours=Decimal("7.5"),
        customer=customer,
        service_item=item,
        notes="Boiler replacement",
    )
    if status in ("submitted", "approved"):
        timesheet_submit(timesheet=sheet)
    if status == "approved":
        timesheet_approve(timesheet=sheet, by=None)
    return sheet


@pytest.fixture
def qbo(both):
    return timesheets_on(both[0])


@pytest.fixture
def member(live_org):
    return team_member_create(organisation=live_org, name="Sam Fitter")


def test_approved_entries_become_time_activities_with_customer_and_item(
    qbo, member, live_org, live_hub
):
    employee_id = map_member(qbo, member)
    customer = live_hub.customer()
    item = service_item_create(organisation=live_org, name="Boiler fitting", unit_price="90")
    sheet = timesheet(member, live_org.today(), customer=customer, item=item)
    drain_until_done(qbo)
    (activity,) = time_activities(qbo).values_list("data", flat=True)
    assert activity["NameOf"] == "Employee"
    assert activity["EmployeeRef"]["value"] == employee_id
    customer_link = Link.objects.get(integration=qbo, kind="customer", object_id=customer.pk)
    item_link = Link.objects.get(integration=qbo, kind="item", object_id=item.pk)
    assert activity["CustomerRef"]["value"] == customer_link.remote_id
    assert activity["ItemRef"]["value"] == item_link.remote_id
    assert (activity["Hours"], activity["Minutes"]) == (7, 30)
    assert activity["TxnDate"] == sheet.period_start.isoformat()
    assert activity["Description"] == "Boiler replacement"
    entry = sheet.entries.get()
    assert Link.objects.filter(integration=qbo, kind="time_entry", object_id=entry.pk).exists()


def test_draft_and_submitted_timesheets_are_not_synced(qbo, member, live_org):
    map_member(qbo, member)
    today = live_org.today()
    timesheet(member, today, status="draft")
    timesheet(member, today + timedelta(7), status="submitted")
    drain_until_done(qbo)
    assert not Change.objects.filter(kind="time_entry").exists()
    assert not time_activities(qbo).exists()


def test_unmapped_member_is_skipped_with_the_reason_then_sent_once_mapped(qbo, member, live_org):
    sheet = timesheet(member, live_org.today())
    drain_until_done(qbo)
    assert not time_activities(qbo).exists()
    entry = sheet.entries.get()
    log = SyncLogEntry.objects.get(integration=qbo, kind="time_entry", object_id=entry.pk)
    assert log.outcome == "held_back"
    assert log.message.startswith("Skipped: Sam Fitter is not mapped to a QuickBooks employee")
    map_member(qbo, member)
    drain_until_done(qbo)
    assert time_activities(qbo).count() == 1


def test_without_quickbooks_payroll_the_entry_is_parked_with_quickbooks_message(
    qbo, member, live_org
):
    company_payroll_set(
        company=SandboxCompany.objects.get(external_id=qbo.remote_company_id), enabled=False
    )
    map_member(qbo, member)
    sheet = timesheet(member, live_org.today())
    drain_until_done(qbo)
    change = Change.objects.get(integration=qbo, kind="time_entry")
    assert change.state == "failed"
    assert "need QuickBooks Payroll" in change.last_error
    assert SyncLogEntry.objects.filter(
        object_id=sheet.entries.get().pk, outcome="failed", message__contains="Payroll"
    ).exists()
    assert not time_activities(qbo).exists()


def test_xero_holds_time_entries_back_with_the_reason(both, member, live_org):
    xero = both[1]
    Integration.objects.filter(pk=xero.pk).update(
        timesheets_sync_to=True, timesheets_sync_start=live_org.today()
    )
    sheet = timesheet(member, live_org.today())
    drain_until_done(xero)
    log = SyncLogEntry.objects.get(integration=xero, object_id=sheet.entries.get().pk)
    assert log.outcome == "held_back"
    assert "Xero's accounting API has no time activities" in log.message


def test_turning_timesheet_sync_on_starts_today_and_older_timesheets_wait(both, member, live_org):
    today = live_org.today()
    old = timesheet(member, today - timedelta(14))
    qbo = timesheets_on(both[0])
    assert qbo.timesheets_sync_start == today
    map_member(qbo, member)
    drain_until_done(qbo)
    assert not time_activities(qbo).exists()
    # Turned off and on again: the date chosen stays.
    integration_settings_update(integration=qbo, values={"timesheets_sync_to": False})
    qbo = timesheets_on(qbo)
    assert qbo.timesheets_sync_start == today
    # An earlier date backfills the approved entries from then on.
    integration_settings_update(
        integration=qbo, values={"timesheets_sync_start": today - timedelta(14)}
    )
    drain_until_done(qbo)
    (activity,) = time_activities(qbo).values_list("data", flat=True)
    assert activity["TxnDate"] == old.period_start.isoformat()


def test_a_future_sync_start_date_is_refused(qbo, live_org):
    tomorrow = live_org.today() + timedelta(days=1)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        integration_settings_update(integration=qbo, values={"timesheets_sync_start": tomorrow})
    qbo.refresh_from_db()
    assert qbo.timesheets_sync_start == live_org.today()


def test_timesheet_from_before_the_start_date_is_held_back_with_the_reason(qbo, member, live_org):
    map_member(qbo, member)
    sheet = timesheet(member, live_org.today() - timedelta(7))
    drain_until_done(qbo)
    log = SyncLogEntry.objects.get(integration=qbo, object_id=sheet.entries.get().pk)
    assert log.outcome == "held_back"
    assert "before the timesheet sync start date" in log.message
    assert not time_activities(qbo).exists()
