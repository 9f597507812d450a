"""The Sync Log as office staff read it: records by their numbers and names, linked to the hub
page and to the ledger's own page, grouped by run, in the organisation's time, with filters
kept in the address and the unchanged rows out of the way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.sync.models import Link, SyncLogEntry, SyncRun
from tests.factories import (
    CustomerFactory,
    InvoiceFactory,
    PaymentFactory,
    QuoteFactory,
    ServiceItemFactory,
    TeamMemberFactory,
    TimeEntryFactory,
    TimesheetFactory,
)
from tests.sync import test_views

pytestmark = pytest.mark.django_db

alice = test_views.alice  # the fixture: alice's signed-in client


@pytest.fixture
def records(org):
    return make_records(org)


def make_records(org) -> dict:
    """One record of every kind, named as staff name them."""
    thomas = CustomerFactory(organisation=org, display_name="Thomas Green")
    invoice = InvoiceFactory(organisation=org, customer=thomas, number="INV-0007")
    member = TeamMemberFactory(organisation=org, name="Ann Lee")
    timesheet = TimesheetFactory(member=member)
    return {
        "customer": thomas,
        "invoice": invoice,
        "quote": QuoteFactory(organisation=org, customer=thomas, number="QU-0003"),
        "payment": PaymentFactory(invoice=invoice, amount=Decimal("120.00")),
        "item": ServiceItemFactory(organisation=org, name="Boiler service"),
        "time_entry": TimeEntryFactory(
            timesheet=timesheet, hours=Decimal("3"), date=dt.date(2026, 11, 12)
        ),
    }


LABELS = {
    "customer": "Thomas Green",
    "invoice": "INV-0007 · Thomas Green",
    "quote": "QU-0003 · Thomas Green",
    "payment": "Payment of $120.00 on INV-0007",
    "item": "Boiler service",
    "time_entry": "Ann Lee · 3 h · 12 Nov",
}


def _log(integration, record, kind, run=None, **fields):
    values = {"direction": "push", "outcome": "pushed", "remote_id": f"{kind[:3]}-{record.pk}"}
    return SyncLogEntry.objects.create(
        integration=integration, run=run, kind=kind, object_id=record.pk, **{**values, **fields}
    )


def _page(client, **params) -> str:
    return client.get(reverse("sync:log"), params).content.decode()


def test_records_are_named_as_people_name_them_and_link_to_their_hub_page(alice, connect, records):
    qbo = connect("quickbooks")
    for kind, record in records.items():
        _log(qbo, record, kind)
    page = _page(alice)
    for kind, label in LABELS.items():
        assert label in page, kind
    assert f"#{records['invoice'].pk}" not in page
    for url in (
        reverse("invoices:detail", args=[records["invoice"].pk]),
        reverse("customers:detail", args=[records["customer"].pk]),
        reverse("quotes:detail", args=[records["quote"].pk]),
        reverse("catalog:edit", args=[records["item"].pk]),
        reverse("timesheets:detail", args=[records["time_entry"].timesheet_id]),
    ):
        assert f'href="{url}"' in page, url


def test_ledger_links_go_to_the_records_own_page_in_quickbooks_and_xero(
    alice, connect, records, settings
):
    settings.SANDBOX_ENABLED = False
    qbo, xero = connect("quickbooks"), connect("xero")
    _log(qbo, records["invoice"], "invoice", remote_id="130")
    _log(qbo, records["customer"], "customer", remote_id="58")
    _log(qbo, records["quote"], "quote", remote_id="41")
    _log(qbo, records["payment"], "payment", remote_id="77")
    _log(xero, records["invoice"], "invoice", remote_id="1cf1a11c-a067")
    _log(xero, records["customer"], "customer", remote_id="8275f116-6419")
    page = _page(alice)
    for url in (
        "https://app.qbo.intuit.com/app/invoice?txnId=130",
        "https://app.qbo.intuit.com/app/customerdetail?nameId=58",
        "https://app.qbo.intuit.com/app/estimate?txnId=41",
        "https://app.qbo.intuit.com/app/recvpayment?txnId=77",
        "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=1cf1a11c-a067",
        "https://go.xero.com/Contacts/View/8275f116-6419",
    ):
        assert f'href="{url}"' in page, url
    assert "Open in QuickBooks Online" in page and "Open in Xero" in page


def test_with_the_sandbox_on_ledger_links_open_the_sandbox_console(
    alice, connect, records, settings
):
    settings.SANDBOX_ENABLED = True
    qbo, xero = connect("quickbooks"), connect("xero")
    _log(qbo, records["invoice"], "invoice", remote_id="130")
    _log(xero, records["customer"], "customer", remote_id="c-1")
    _log(xero, records["item"], "item", remote_id="item-1")  # no console page: no link
    page = _page(alice)
    assert f'href="/sandbox/quickbooks/console/{qbo.remote_company_id}/invoice/130/"' in page
    assert f'href="/sandbox/xero/console/{xero.remote_company_id}/contacts/c-1/"' in page
    assert "app.qbo.intuit.com" not in page and "go.xero.com" not in page
    assert page.count('data-testid="ledger-link"') == 2


def test_a_held_back_entry_without_a_remote_id_links_to_the_record_already_in_the_ledger(
    alice, connect, records, settings
):
    settings.SANDBOX_ENABLED = False
    qbo = connect("quickbooks")
    Link.objects.create(
        integration=qbo,
        kind="invoice",
        object_id=records["invoice"].pk,
        remote_id="130",
        created_by="hub",
    )
    _log(qbo, records["invoice"], "invoice", outcome="held_back", remote_id="")
    assert 'href="https://app.qbo.intuit.com/app/invoice?txnId=130"' in _page(alice)


def test_a_record_no_longer_in_the_hub_says_so(alice, connect):
    SyncLogEntry.objects.create(
        integration=connect(), kind="invoice", object_id=999, direction="push", outcome="pushed"
    )
    assert "Invoice no longer in the hub" in _page(alice)


def test_entries_are_grouped_under_their_runs_summary(alice, connect, records):
    qbo = connect("quickbooks")
    run = SyncRun.objects.create(
        integration=qbo,
        trigger=SyncRun.Trigger.SYNC_NOW,
        status=SyncRun.Status.PARTIAL,
        counts={"pushed": 4, "pulled": 2, "skipped": 9, "held_back": 1, "failed": 1},
    )
    _log(qbo, records["invoice"], "invoice", run=run)
    _log(qbo, records["customer"], "customer", run=run, outcome="failed", message="Refused")
    _log(qbo, records["item"], "item")  # outside any run
    page = _page(alice)
    assert page.count('data-testid="log-run"') == 2
    assert f'href="{reverse("sync:run", args=[run.pk])}">Sync Now</a>' in page
    for count in ("4 pushed", "2 pulled", "9 unchanged", "1 held back", "1 failed"):
        assert count in page, count
    assert "Outside a run" in page


def test_outcomes_are_coloured_by_what_happened(alice, connect, records):
    qbo = connect("quickbooks")
    for outcome in ("pushed", "pulled", "held_back", "failed", "retrying"):
        _log(qbo, records["invoice"], "invoice", outcome=outcome)
    page = _page(alice)
    for outcome in ("pushed", "pulled", "held_back", "failed", "retrying"):
        assert f'class="outcome outcome-{outcome}"' in page, outcome


def test_unchanged_rows_are_hidden_until_asked_for(alice, connect, records):
    qbo = connect("quickbooks")
    _log(qbo, records["invoice"], "invoice", outcome="skipped", message="quiet one")
    _log(qbo, records["invoice"], "invoice", outcome="skipped", message="quiet two")
    _log(qbo, records["customer"], "customer", message="sent one")
    page = _page(alice)
    assert "quiet one" not in page and "sent one" in page
    assert "2 unchanged records hidden" in page
    shown = _page(alice, unchanged="on")
    assert "quiet one" in shown and "quiet two" in shown and "records hidden" not in shown
    assert "quiet one" in _page(alice, outcome="skipped")


@pytest.mark.parametrize(
    "search, expected",
    [
        ("INV-0007", {"invoice", "payment"}),
        ("thomas", {"customer", "invoice", "quote", "payment"}),
        ("boiler", {"item"}),
        ("Ann Lee", {"time_entry"}),
        ("QU-0003", {"quote"}),
        ("inv-130", {"invoice"}),  # a remote id
    ],
)
def test_search_finds_records_by_number_or_name(alice, connect, records, search, expected):
    qbo = connect("quickbooks")
    for kind, record in records.items():
        _log(qbo, record, kind, remote_id="inv-130" if kind == "invoice" else "", message=kind)
    shown = {e.kind for e in alice.get(reverse("sync:log"), {"q": search}).context["page"]}
    assert shown == expected


def test_filters_by_direction_and_keep_their_state_in_the_address(alice, connect, records):
    qbo = connect("quickbooks")
    _log(qbo, records["invoice"], "invoice", direction="pull", outcome="pulled", message="came in")
    _log(qbo, records["invoice"], "invoice", message="went out")
    page = _page(alice, direction="pull", q="INV")
    assert "came in" in page and "went out" not in page
    # The form shows the filters it was given (the address is the state: shareable, Back works).
    assert 'value="INV"' in page
    assert '<option value="pull" selected>' in page
    assert 'hx-push-url="true"' in page and 'method="get"' in page


def test_pagination_keeps_the_filters(alice, connect, records):
    qbo = connect("quickbooks")
    for _ in range(55):
        _log(qbo, records["invoice"], "invoice", direction="pull", outcome="pulled")
    page = _page(alice, direction="pull")
    assert "direction=pull" in page and "page=2" in page


def test_retry_message_names_the_record(alice, connect, records, monkeypatch):
    qbo = connect("quickbooks")
    monkeypatch.setattr("apps.sync.services.record_retry", lambda **kwargs: True)
    url = reverse("sync:retry", args=[qbo.pk, "invoice", records["invoice"].pk])
    response = alice.post(url, follow=True)
    assert "INV-0007 · Thomas Green goes to QuickBooks Online again." in response.content.decode()


def test_invoice_page_links_to_the_invoice_in_the_ledger(alice, connect, records, settings):
    settings.SANDBOX_ENABLED = False
    qbo = connect("quickbooks")
    invoice = records["invoice"]
    Link.objects.create(
        integration=qbo, kind="invoice", object_id=invoice.pk, remote_id="130", created_by="hub"
    )
    page = alice.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert 'href="https://app.qbo.intuit.com/app/invoice?txnId=130"' in page
