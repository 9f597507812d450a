"""The timesheet path asks the provider's capabilities, never its name."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.integrations import registry
from apps.sync.timesheets import entry_candidates, entry_held_back, load_entry
from apps.timesheets.services import (
    team_member_create,
    timesheet_add_entry,
    timesheet_approve,
    timesheet_create,
    timesheet_submit,
)

pytestmark = pytest.mark.django_db


def time_activities(monkeypatch, name: str, offered: bool) -> None:
    entry = registry.PROVIDERS[name]
    capabilities = replace(entry.capabilities, time_activities=offered)
    monkeypatch.setitem(registry.PROVIDERS, name, replace(entry, capabilities=capabilities))


@pytest.fixture
def approved_entry(org):
    member = team_member_create(organisation=org, name="Sam Fitter")
    start = org.today()
    sheet = timesheet_create(member=member, period_start=start, period_end=start + timedelta(6))
    timesheet_add_entry(timesheet=sheet, date=start, hours=Decimal("2"), notes="Boiler")
    timesheet_submit(timesheet=sheet)
    timesheet_approve(timesheet=sheet, by=None)
    return load_entry(sheet.entries.get().pk)  # as the engine loads it


def test_a_provider_without_time_activities_gets_no_entries_whatever_its_name(
    connect, org, approved_entry, monkeypatch
):
    qbo = connect("quickbooks", timesheets_sync_to=True, timesheets_sync_start=org.today())
    time_activities(monkeypatch, "quickbooks", False)
    time_activities(monkeypatch, "xero", True)

    assert entry_held_back(qbo, approved_entry) == (
        "QuickBooks Online's accounting API has no time activities: timesheets sync to Xero only."
    )
    assert list(entry_candidates(qbo, {})) == []


def test_a_provider_declaring_time_activities_is_sent_entries_of_mapped_members(
    connect, org, approved_entry, monkeypatch
):
    xero = connect("xero", timesheets_sync_to=True, timesheets_sync_start=org.today())
    time_activities(monkeypatch, "xero", True)

    # No longer refused for the provider: only the missing employee mapping holds it back.
    assert entry_held_back(xero, approved_entry).startswith("Skipped: Sam Fitter is not mapped")
