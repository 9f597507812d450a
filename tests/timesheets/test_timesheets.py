from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.integrations.models import Integration
from apps.sync.models import Change
from apps.timesheets import services
from apps.timesheets.models import TeamMember, TimeEntry, Timesheet
from tests.factories import (
    CustomerFactory,
    TeamMemberFactory,
    TimeEntryFactory,
    TimesheetFactory,
    UserFactory,
)
from tests.staff import assert_three_users

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 11, 16)


@pytest.fixture
def timesheet(org):
    return TimesheetFactory(member=TeamMemberFactory(organisation=org))


def test_period_must_not_end_before_it_starts(org):
    member = TeamMemberFactory(organisation=org)
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        services.timesheet_create(
            member=member, period_start=MONDAY, period_end=MONDAY - dt.timedelta(days=1)
        )


def test_one_timesheet_per_member_and_start(timesheet):
    with pytest.raises(ValidationError, match="already has a timesheet"):
        services.timesheet_create(
            member=timesheet.member,
            period_start=timesheet.period_start,
            period_end=timesheet.period_end,
        )


@pytest.mark.parametrize(
    ("date", "hours", "field"),
    [
        (MONDAY - dt.timedelta(days=1), "2", "date"),
        (MONDAY, "0", "hours"),
        (MONDAY, "-1", "hours"),
        (MONDAY, "25", "hours"),
    ],
)
def test_bad_entries_are_refused(timesheet, date, hours, field):
    with pytest.raises(ValidationError) as excinfo:
        services.timesheet_add_entry(timesheet=timesheet, date=date, hours=Decimal(hours))
    assert field in excinfo.value.message_dict
    assert not TimeEntry.objects.exists()


def test_draft_then_submitted_then_approved_records_each_entry(org, timesheet):
    integration = Integration.objects.create(
        organisation=org,
        provider="quickbooks",
        remote_company_id="1",
        country="US",
        currency="USD",
        timesheets_sync_to=True,
    )
    with pytest.raises(ValidationError, match="at least one entry"):
        services.timesheet_submit(timesheet=timesheet)
    first = services.timesheet_add_entry(
        timesheet=timesheet, date=MONDAY, hours="7.5", customer=CustomerFactory(organisation=org)
    )
    second = services.timesheet_add_entry(timesheet=timesheet, date=MONDAY, hours="1")
    boss = UserFactory(organisation=org)
    with pytest.raises(ValidationError, match="is draft, so it cannot be approved"):
        services.timesheet_approve(timesheet=timesheet, by=boss)
    services.timesheet_submit(timesheet=timesheet)
    with pytest.raises(ValidationError, match="is submitted, so it cannot be changed"):
        services.timesheet_add_entry(timesheet=timesheet, date=MONDAY, hours="1")
    timesheet = services.timesheet_approve(timesheet=timesheet, by=boss)
    assert (timesheet.status, timesheet.approved_by) == ("approved", boss)
    recorded = set(
        Change.objects.filter(integration=integration, kind="time_entry").values_list(
            "object_id", flat=True
        )
    )
    assert recorded == {first.pk, second.pk}


def test_another_organisations_customer_cannot_be_booked(timesheet):
    with pytest.raises(ValidationError) as excinfo:
        services.timesheet_add_entry(
            timesheet=timesheet, date=MONDAY, hours="1", customer=CustomerFactory()
        )
    assert "customer" in excinfo.value.message_dict


def test_pages_are_the_organisations_only(timesheet, as_alice, as_bob, as_charlie):
    name = timesheet.member.name
    for client in (as_alice, as_bob):
        assert name in client.get(reverse("timesheets:list")).content.decode()
    assert name not in as_charlie.get(reverse("timesheets:list")).content.decode()
    assert_three_users(timesheet.get_absolute_url(), as_alice, as_bob, as_charlie, text=name)


def test_start_a_timesheet_from_the_list(org, as_alice):
    member = TeamMemberFactory(organisation=org)
    response = as_alice.post(
        reverse("timesheets:list"),
        {"member": member.pk, "period_start": "2026-11-16", "period_end": "2026-11-22"},
    )
    assert response.url == Timesheet.objects.get().get_absolute_url()


def test_enter_submit_approve_in_the_browser(timesheet, as_alice, as_bob, as_charlie):
    add = reverse("timesheets:entry_add", args=[timesheet.pk])
    entry = {"date": "2026-11-17", "hours": "8", "notes": "Panel job"}
    assert as_charlie.post(add, entry).status_code == 404
    assert as_alice.post(add, entry).status_code == 302
    response = as_alice.post(add, {**entry, "hours": "30"})
    assert response.status_code == 400
    assert "at most 24" in response.content.decode()
    htmx = as_alice.post(add, {**entry, "hours": "1"}, HTTP_HX_REQUEST="true")
    assert htmx.content.decode().strip().startswith('<div id="entries">')
    as_alice.post(reverse("timesheets:submit", args=[timesheet.pk]))
    assert as_charlie.post(reverse("timesheets:approve", args=[timesheet.pk])).status_code == 404
    as_bob.post(reverse("timesheets:approve", args=[timesheet.pk]))
    timesheet.refresh_from_db()
    assert timesheet.status == "approved" and timesheet.entries.count() == 2


def test_remove_an_entry(timesheet, as_alice, as_charlie):
    entry = TimeEntryFactory(timesheet=timesheet)
    url = reverse("timesheets:entry_remove", args=[entry.pk])
    assert as_charlie.post(url).status_code == 404
    as_alice.post(url)
    assert not TimeEntry.objects.exists()


def test_add_a_team_member(org, as_alice):
    response = as_alice.post(reverse("timesheets:member_add"), {"name": "Sam Ortiz"})
    assert response.status_code == 302
    assert TeamMember.objects.get().organisation == org
    response = as_alice.post(reverse("timesheets:member_add"), {"name": "", "email": "x@"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body and "Enter a valid email address." in body


def test_refused_timesheet_is_explained_beside_the_field(org, as_alice):
    member = TeamMemberFactory(organisation=org)
    response = as_alice.post(
        reverse("timesheets:list"),
        {"member": member.pk, "period_start": "2026-11-16", "period_end": "2026-11-10"},
    )
    assert response.status_code == 400
    assert "The period cannot end before it starts." in response.content.decode()
    assert not Timesheet.objects.exists()
