"""An America/New_York organisation sees its own dates and times, not UTC's: at 02:30 UTC on
10 March it is still 9 March, 22:30, in New York."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.integrations.models import Integration
from apps.sync.models import SyncLogEntry
from apps.timesheets.services import timesheet_approve, timesheet_submit
from tests.accounts.conftest import JUST_AFTER_MIDNIGHT_UTC
from tests.factories import TeamMemberFactory, TimeEntryFactory, TimesheetFactory
from tests.staff import client_for

pytestmark = pytest.mark.django_db


def _initial(response, name: str):
    return response.context["form"][name].value()


def test_new_invoice_is_dated_today_in_new_york_not_in_utc(new_york, alice):
    response = client_for(alice).get(reverse("invoices:create"))
    assert str(_initial(response, "issue_date")) == "2026-03-09"
    assert str(_initial(response, "due_date")) == "2026-03-23"


def test_new_quote_is_dated_today_in_new_york(new_york, alice):
    response = client_for(alice).get(reverse("quotes:create"))
    assert str(_initial(response, "issue_date")) == "2026-03-09"


def test_new_timesheet_starts_on_the_monday_of_the_week_in_new_york(new_york, alice):
    response = client_for(alice).get(reverse("timesheets:list"))
    # Monday 9 March in New York; in UTC it is already Tuesday, the same week: check the day
    # before the week turns too.
    assert str(_initial(response, "period_start")) == "2026-03-09"


def test_timesheet_week_turns_at_new_york_midnight_not_utc(org, alice, monkeypatch):
    org.time_zone = "America/New_York"
    org.save(update_fields=["time_zone"])
    # 03:00 UTC on Monday 9 March is still Sunday 8 March in New York: last week.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 3, 9, 3, 0, tzinfo=dt.UTC))
    response = client_for(alice).get(reverse("timesheets:list"))
    assert str(_initial(response, "period_start")) == "2026-03-02"


def test_approval_time_is_shown_in_new_york_time(new_york, alice):
    member = TeamMemberFactory(organisation=new_york, name="Ann Lee")
    timesheet = TimesheetFactory(member=member)
    TimeEntryFactory(timesheet=timesheet)
    timesheet_submit(timesheet=timesheet, by=alice)
    timesheet_approve(timesheet=timesheet, by=alice)
    body = client_for(alice).get(reverse("timesheets:detail", args=[timesheet.pk])).content
    assert "Approved 09 Mar 2026 22:30" in body.decode()


def test_sync_log_shows_new_york_times_and_filters_new_york_days(new_york, alice):
    integration = Integration.objects.create(
        organisation=new_york, provider="quickbooks", remote_company_id="realm-ny"
    )
    entry = SyncLogEntry.objects.create(
        integration=integration, kind="customer", direction="push", outcome="pushed"
    )
    SyncLogEntry.objects.filter(pk=entry.pk).update(created_at=JUST_AFTER_MIDNIGHT_UTC)
    client = client_for(alice)
    page = client.get(reverse("sync:log")).content.decode()
    assert "22:30" in page and "02:30" not in page
    assert 'datetime="2026-03-09T22:30:00-04:00"' in page
    # The 10th in UTC is the 9th in New York: the day filters follow New York's days.
    assert (
        client.get(reverse("sync:log"), {"since": "2026-03-10"}).context["page"].paginator.count
        == 0
    )
    assert (
        client.get(reverse("sync:log"), {"until": "2026-03-09"}).context["page"].paginator.count
        == 1
    )


def test_pages_outside_a_request_stay_in_utc(new_york, alice):
    client_for(alice).get(reverse("dashboard"))
    assert timezone.get_current_timezone_name() == "UTC"
