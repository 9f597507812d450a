"""Every page that names a record: members of its organisation reach it, outsiders get 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.invoices.services import payment_record
from tests.factories import (
    CustomerFactory,
    InvoiceFactory,
    QuoteFactory,
    ServiceItemFactory,
    TimeEntryFactory,
    TimesheetFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(org):
    customer = CustomerFactory(organisation=org)
    invoice = InvoiceFactory(organisation=org, customer=customer, status="sent")
    timesheet = TimesheetFactory(member__organisation=org)
    return {
        "customer": customer,
        "invoice": invoice,
        "quote": QuoteFactory(organisation=org, customer=customer),
        "item": ServiceItemFactory(organisation=org),
        "timesheet": timesheet,
        "entry": TimeEntryFactory(timesheet=timesheet),
        "payment": payment_record(
            invoice=InvoiceFactory(organisation=org, customer=customer, status="sent"),
            amount="1.00",
        ),
    }


GET_PAGES = [
    ("customers:detail", "customer"),
    ("customers:edit", "customer"),
    ("quotes:detail", "quote"),
    ("quotes:edit", "quote"),
    ("invoices:detail", "invoice"),
    ("invoices:edit", "invoice"),
    ("catalog:edit", "item"),
    ("timesheets:detail", "timesheet"),
]
POST_ACTIONS = [
    ("customers:card_payment", "customer"),
    ("customers:edit", "customer"),
    ("quotes:edit", "quote"),
    ("quotes:send", "quote"),
    ("quotes:accept", "quote"),
    ("quotes:decline", "quote"),
    ("quotes:cancel", "quote"),
    ("quotes:convert", "quote"),
    ("invoices:edit", "invoice"),
    ("invoices:send", "invoice"),
    ("invoices:cancel", "invoice"),
    ("invoices:payment_add", "invoice"),
    ("invoices:payment_take_card", "invoice"),
    ("invoices:payment_void", "payment"),
    ("catalog:edit", "item"),
    ("timesheets:entry_add", "timesheet"),
    ("timesheets:entry_remove", "entry"),
    ("timesheets:submit", "timesheet"),
    ("timesheets:approve", "timesheet"),
]


@pytest.mark.parametrize(("name", "record"), GET_PAGES)
def test_pages_open_for_members_and_are_404_for_outsiders(
    records, as_alice, as_bob, as_charlie, name, record
):
    url = reverse(name, args=[records[record].pk])
    assert as_alice.get(url).status_code == 200
    assert as_bob.get(url).status_code == 200
    assert as_charlie.get(url).status_code == 404


@pytest.mark.parametrize(("name", "record"), POST_ACTIONS)
def test_actions_are_404_for_outsiders_and_change_nothing(records, as_charlie, name, record):
    target = records[record]
    before = type(target).objects.filter(pk=target.pk).values().get()
    assert as_charlie.post(reverse(name, args=[target.pk]), {}).status_code == 404
    assert type(target).objects.filter(pk=target.pk).values().get() == before


@pytest.mark.parametrize(("name", "record"), POST_ACTIONS)
def test_actions_are_not_404_for_another_member(records, as_bob, name, record):
    assert as_bob.post(reverse(name, args=[records[record].pk]), {}).status_code != 404


@pytest.mark.parametrize(
    ("name", "record"),
    [
        ("quotes:send", "quote"),
        ("invoices:send", "invoice"),
        ("timesheets:submit", "timesheet"),
        ("invoices:payment_void", "payment"),
    ],
)
def test_state_changes_are_post_only(records, as_alice, name, record):
    assert as_alice.get(reverse(name, args=[records[record].pk])).status_code == 405
