"""Needs attention on the dashboard and the Integrations page: every refused record, fixable
hold-back, broken connection and likely duplicate, named as people name them, with its fix."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.integrations.models import Integration
from apps.sync.models import Change
from tests.factories import CustomerFactory, InvoiceFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/settings/integrations/"]


def _refused(integration, record, kind="invoice", error="Business Validation Error: bad line"):
    return Change.objects.create(
        integration=integration,
        kind=kind,
        object_id=record.pk,
        state=Change.State.FAILED,
        last_error=error,
    )


@pytest.mark.parametrize("path", PAGES)
def test_a_refused_invoice_is_listed_by_number_and_customer_with_a_retry_button(
    as_alice, org, quickbooks, path
):
    customer = CustomerFactory(organisation=org, display_name="Thomas Green")
    invoice = InvoiceFactory(organisation=org, customer=customer, number="INV-0007")
    _refused(quickbooks, invoice)

    page = as_alice.get(path).content.decode()

    assert 'data-testid="needs-attention"' in page
    assert "INV-0007 · Thomas Green" in page
    assert "QuickBooks Online refused it: Business Validation Error: bad line" in page
    assert f'action="/sync/integrations/{quickbooks.pk}/retry/invoice/{invoice.pk}/"' in page
    assert f'href="/invoices/{invoice.pk}/"' in page


def test_retry_from_the_list_sends_the_record_again_and_it_leaves_the_list(
    as_alice, org, quickbooks
):
    invoice = InvoiceFactory(organisation=org, number="INV-0008")
    _refused(quickbooks, invoice)

    response = as_alice.post(
        f"/sync/integrations/{quickbooks.pk}/retry/invoice/{invoice.pk}/", {"next": "/"}
    )

    assert response.status_code == 302 and response.url == "/"
    assert "needs-attention" not in as_alice.get("/").content.decode()


def test_a_currency_refusal_offers_to_change_the_currency(as_alice, org, quickbooks):
    invoice = InvoiceFactory(organisation=org)
    _refused(quickbooks, invoice, error="The currency EUR is not enabled in this company.")

    page = as_alice.get("/").content.decode()

    assert f'href="/invoices/{invoice.pk}/edit/">Change the currency' in page


def test_a_time_entry_held_back_for_an_unmapped_member_offers_the_mapping(
    as_alice, org, quickbooks
):
    entry = TimeEntryFactory(timesheet__member__organisation=org, timesheet__member__name="Sam")
    Change.objects.create(
        integration=quickbooks,
        kind="time_entry",
        object_id=entry.pk,
        state=Change.State.HELD_BACK,
        last_error="Skipped: Sam is not mapped to a QuickBooks employee. Map them.",
    )
    page = as_alice.get("/").content.decode()
    assert "Time entry of Sam" in page
    assert f'href="/settings/integrations/{quickbooks.pk}/employees/">Open the employee' in page

    # Mapped since: a newer attempt of the same entry exists, the hold-back is settled.
    Change.objects.create(
        integration=quickbooks, kind="time_entry", object_id=entry.pk, state="done"
    )
    assert "Time entry of Sam" not in as_alice.get("/").content.decode()


def test_deliberate_hold_backs_are_not_listed(as_alice, org, quickbooks):
    invoice = InvoiceFactory(organisation=org, number="INV-0009")
    Change.objects.create(
        integration=quickbooks,
        kind="invoice",
        object_id=invoice.pk,
        state=Change.State.HELD_BACK,
        last_error="Draft: the invoice is sent to the integration when it is sent.",
    )
    assert 'data-testid="needs-attention"' not in as_alice.get("/").content.decode()


def test_likely_duplicates_and_a_refused_connection_are_listed_with_their_fix(
    as_alice, org, quickbooks
):
    first = CustomerFactory(organisation=org, display_name="Nick Brown", email="nick@example.com")
    second = CustomerFactory(
        organisation=org, display_name="Brown, Nick", email="NICK@example.com "
    )
    Integration.objects.filter(pk=quickbooks.pk).update(status="needs_reconnect")

    page = as_alice.get("/settings/integrations/").content.decode()

    assert "Nick Brown and Brown, Nick" in page
    assert f'href="/customers/merge/?ids={first.pk},{second.pk}">Merge' in page
    assert 'href="/settings/integrations/quickbooks/connect/">Reconnect' in page


def test_another_organisations_problems_are_not_shown(client, charlie, org, quickbooks):
    _refused(quickbooks, InvoiceFactory(organisation=org, number="INV-0010"))
    client.force_login(charlie)
    assert "INV-0010" not in client.get("/").content.decode()


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _problems(org, quickbooks, n: int) -> None:
    for _ in range(n):
        customer = CustomerFactory(organisation=org)
        _refused(quickbooks, InvoiceFactory(organisation=org, customer=customer))
        _refused(quickbooks, customer, kind="customer")
        entry = TimeEntryFactory(timesheet__member__organisation=org)
        _refused(quickbooks, entry, kind="time_entry", error="Payroll is off")


@pytest.mark.parametrize("path", PAGES)
def test_the_list_reads_in_a_fixed_number_of_queries(as_alice, org, quickbooks, path):
    _problems(org, quickbooks, 1)
    few = _queries(as_alice, path)
    _problems(org, quickbooks, 5)
    assert _queries(as_alice, path) == few
    assert as_alice.get(path).content.decode().count('data-testid="attention-item"') == 18
