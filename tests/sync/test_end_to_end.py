"""The engine with the real adapters (python-quickbooks, requests-oauthlib) against both
sandboxes over real HTTP, QuickBooks Online and Xero connected at once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F, Q
from django.utils import timezone

from apps.invoices.models import Invoice
from apps.sandbox.control import fault_inject, requests_wait, token_expire
from apps.sandbox.models import SandboxRecord
from apps.sync.models import Change, Link, SyncLogEntry
from apps.sync.pull import pull
from apps.sync.push import drain

pytestmark = pytest.mark.django_db(transaction=True)

SHAPE = {
    "quickbooks": {"invoice": "Invoice", "customer": "Customer", "number": "DocNumber"},
    "xero": {"invoice": "Invoices", "customer": "Contacts", "number": "InvoiceNumber"},
    "myob": {
        "invoice": "myob:Sale/Invoice",
        "customer": "myob:Contact/Customer",
        "number": "Number",
    },
}


def remote(integration, kind: str):
    """What the hub wrote to the provider: not the sample data a company is made with."""
    return written(integration, SHAPE[integration.provider][kind]).filter(deleted=False)


def written(integration, entity: str):
    return SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id,
        entity=entity,
        created_at__gte=F("company__created_at"),
    )


def numbers(integration) -> Counter:
    field = SHAPE[integration.provider]["number"]
    return Counter(
        data.get(field) for data in remote(integration, "invoice").values_list("data", flat=True)
    )


def test_invoice_sent_in_the_hub_lands_once_in_quickbooks_and_in_xero(both, live_hub):
    qbo, xero = both
    invoice = live_hub.invoice()
    drain_until_done(qbo), drain_until_done(xero)
    for integration in both:
        assert numbers(integration)[invoice.number] == 1, integration.provider
        assert Link.objects.filter(integration=integration, kind="invoice", object_id=invoice.pk)
    assert not Change.objects.exclude(state="done").exists()


def qbo_client(integration):
    from apps.integrations.quickbooks.client import QuickBooksClient

    return QuickBooksClient(integration)


def someone_invoices_in_quickbooks(qbo, *, number="QB-5001", amount=120.0):
    """A bookkeeper creates a customer and an invoice in QuickBooks itself."""
    client = qbo_client(qbo)
    customer = client.create(
        "Customer",
        {
            "DisplayName": "Jane Marshall",
            "GivenName": "Jane",
            "FamilyName": "Marshall",
            "PrimaryEmailAddr": {"Address": "jane@example.com"},
        },
        key=f"test-customer-{number}",
    )
    item = client.query("select * from Item")[0]
    invoice = client.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": number,
            "TxnDate": timezone.localdate().isoformat(),
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": amount,
                    "Description": "Boiler service",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": item["Id"]},
                        "Qty": 1,
                        "UnitPrice": amount,
                    },
                }
            ],
        },
        key=f"test-invoice-{number}",
    )
    return customer, invoice


def test_invoice_made_in_quickbooks_reaches_xero_through_the_hub_and_never_echoes(both):
    qbo, xero = both
    someone_invoices_in_quickbooks(qbo)
    pull(qbo)
    invoice = Invoice.objects.get(number="QB-5001")
    assert invoice.total == Decimal("120.00")
    assert invoice.customer.email == "jane@example.com"
    drain_until_done(xero), drain_until_done(qbo)
    assert numbers(xero)["QB-5001"] == 1
    assert numbers(qbo)["QB-5001"] == 1
    assert not Change.objects.filter(integration=qbo, kind="invoice").exists()


def test_payment_recorded_in_quickbooks_pays_the_hub_invoice_and_stays_out_of_xero(both, live_hub):
    qbo, xero = both
    invoice = live_hub.invoice()
    drain_until_done(qbo), drain_until_done(xero)
    remote_invoice = Link.objects.get(integration=qbo, kind="invoice", object_id=invoice.pk)
    customer = Link.objects.get(integration=qbo, kind="customer", object_id=invoice.customer_id)
    pull(qbo)  # the first pull (a full scan) brings in the sample company's customers
    qbo_client(qbo).create(
        "Payment",
        {
            "CustomerRef": {"value": customer.remote_id},
            "TotalAmt": 250.0,
            "Line": [
                {
                    "Amount": 250.0,
                    "LinkedTxn": [{"TxnId": remote_invoice.remote_id, "TxnType": "Invoice"}],
                }
            ],
        },
        key="test-payment-1",
    )
    pull(qbo)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.payments.get().source == "integration"
    drain_until_done(xero)
    assert not SandboxRecord.objects.filter(
        company__external_id=xero.remote_company_id, entity="Payments"
    ).exists()


def test_cancelling_a_sent_invoice_in_the_hub_voids_it_in_both(both, live_hub):
    from apps.invoices.services import invoice_cancel

    qbo, xero = both
    invoice = live_hub.invoice()
    drain_until_done(qbo), drain_until_done(xero)
    invoice_cancel(invoice=invoice)
    drain_until_done(qbo), drain_until_done(xero)
    [qbo_invoice] = remote(qbo, "invoice").values_list("data", flat=True)
    [xero_invoice] = remote(xero, "invoice").values_list("data", flat=True)
    assert xero_invoice["Status"] == "VOIDED"
    assert Decimal(str(qbo_invoice["TotalAmt"])) == 0 or "Voided" in str(qbo_invoice)


@pytest.mark.parametrize("kind", ["429", "500", "503", "malformed"])
def test_transient_faults_are_retried_and_every_record_lands_exactly_once(both, live_hub, kind):
    qbo, xero = both
    fault_inject(company=qbo.remote_company_id, kind=kind, count=3)
    invoices = [
        live_hub.invoice(live_hub.customer(f"Ann Lee{n}", f"ann{n}@example.com")) for n in range(3)
    ]
    drain_until_done(qbo), drain_until_done(xero)
    for integration in both:
        found = numbers(integration)
        assert [found[i.number] for i in invoices] == [1, 1, 1], integration.provider
    assert SyncLogEntry.objects.filter(integration=qbo, outcome="retrying").exists()
    assert not SyncLogEntry.objects.filter(integration=xero, outcome="retrying").exists()


def test_time_out_is_retried_and_lands_once(both, live_hub, settings, monkeypatch):
    qbo, _ = both
    settings.SANDBOX_FAULT_TIMEOUT_SECONDS = 2
    monkeypatch.setattr("apps.integrations.quickbooks.limits.REQUEST_TIMEOUT_SECONDS", 0.5)
    fault_inject(company=qbo.remote_company_id, kind="timeout", count=1, path_contains="invoice")
    invoice = live_hub.invoice()
    drain_until_done(qbo)
    assert numbers(qbo)[invoice.number] == 1
    # The sandbox is still sitting on the timed-out request: let it answer before the test's
    # database goes away under it.
    assert requests_wait(qbo.remote_company_id, status=504)


def test_access_token_expiring_mid_run_is_refreshed_and_the_run_carries_on(both, live_hub):
    qbo, xero = both
    first = live_hub.invoice()
    drain_until_done(qbo), drain_until_done(xero)
    token_expire(company=qbo.remote_company_id)
    token_expire(company=xero.remote_company_id)
    second = live_hub.invoice(live_hub.customer("Omar Haddad", "omar@example.com"))
    drain_until_done(qbo), drain_until_done(xero)
    for integration in both:
        found = numbers(integration)
        assert found[first.number] == 1 and found[second.number] == 1


def drain_until_done(integration, rounds: int = 10) -> None:
    """Drain; when the engine backs off (a fault, or the provider's rate limit), wait a moment
    and make its wait over, as time would."""
    for _ in range(rounds):
        result = drain(integration)
        waiting = Change.objects.filter(integration=integration, state="pending")
        if not waiting.exists():
            return
        time.sleep(min(result.retry_in or 0, 1.0))
        waiting.update(next_attempt_at=None)


def test_records_the_hub_sent_are_not_pulled_back_as_changes(both, live_hub):
    invoice = live_hub.invoice()
    for integration in both:
        drain_until_done(integration)
        pull(integration)
    # The hub's own two records only: a customer pulled in from the sandbox's sample data may
    # share its id with the invoice.
    sent = Q(kind="invoice", object_id=invoice.pk) | Q(
        kind="customer", object_id=invoice.customer_id
    )
    linked = {(link.kind, link.remote_id) for link in Link.objects.filter(sent)}
    echoes = [
        (entry.kind, entry.remote_id, entry.message)
        for entry in SyncLogEntry.objects.filter(direction="pull", outcome="pulled")
        if (entry.kind, entry.remote_id) in linked
    ]
    assert echoes == []
    invoice.refresh_from_db()
    assert invoice.customer.display_name == "Nick Brown"
    assert not Change.objects.filter(kind="invoice").exclude(state="done").exists()


def test_sent_quote_lands_as_an_estimate_in_quickbooks_and_a_quote_in_xero(both, live_hub):
    qbo, xero = both
    quote = live_hub.quote()
    drain_until_done(qbo), drain_until_done(xero)
    for integration, entity in ((qbo, "Estimate"), (xero, "Quotes")):
        records = SandboxRecord.objects.filter(
            company__external_id=integration.remote_company_id, entity=entity
        )
        link = Link.objects.get(integration=integration, kind="quote", object_id=quote.pk)
        assert records.filter(record_id=link.remote_id).count() == 1, integration.provider


def test_payment_collected_online_is_recorded_against_the_invoice_in_both(both, live_hub):
    from apps.invoices.services import payment_collect_online

    qbo, xero = both
    invoice = live_hub.invoice()
    drain_until_done(qbo), drain_until_done(xero)
    payment = payment_collect_online(invoice=invoice, amount="100.00")
    drain_until_done(qbo), drain_until_done(xero)
    for integration, entity in ((qbo, "Payment"), (xero, "Payments")):
        link = Link.objects.get(integration=integration, kind="payment", object_id=payment.pk)
        assert SandboxRecord.objects.filter(
            company__external_id=integration.remote_company_id,
            entity=entity,
            record_id=link.remote_id,
        ).exists(), integration.provider


def test_customer_whose_name_quickbooks_refuses_as_a_duplicate_is_still_created(both, live_hub):
    qbo, _ = both
    qbo_client(qbo).create(
        "Customer",
        {"DisplayName": "Nick Brown", "PrimaryEmailAddr": {"Address": "another@example.com"}},
        key="test-other-nick",
    )
    invoice = live_hub.invoice(live_hub.customer("Nick Brown", "nick@example.com"))
    drain_until_done(qbo)
    link = Link.objects.get(integration=qbo, kind="customer", object_id=invoice.customer_id)
    customers = {
        record.record_id: record.data
        for record in remote(qbo, "customer").filter(data__DisplayName__startswith="Nick Brown")
    }
    assert len(customers) == 2
    assert customers[link.remote_id]["PrimaryEmailAddr"]["Address"] == "nick@example.com"
    assert numbers(qbo)[invoice.number] == 1


def test_invoice_made_in_xero_reaches_quickbooks_through_the_hub(both):
    from apps.integrations.xero.client import XeroClient

    qbo, xero = both
    client = XeroClient(xero)
    contact = client.create(
        "Contacts",
        {
            "Name": "Omar Haddad",
            "FirstName": "Omar",
            "LastName": "Haddad",
            "EmailAddress": "omar@example.com",
        },
        key="test-contact-omar",
    )
    today = timezone.localdate()
    created = client.create(
        "Invoices",
        {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact["ContactID"]},
            "InvoiceNumber": "XR-4001",
            "Date": today.isoformat(),
            "DueDate": (today + timedelta(days=14)).isoformat(),
            "Status": "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "LineItems": [
                {
                    "Description": "Gutter clean",
                    "Quantity": 2,
                    "UnitAmount": 80,
                    "AccountCode": "200",
                }
            ],
        },
        key="test-invoice-xr-4001",
    )
    pull(xero)
    invoice = Invoice.objects.get(number="XR-4001")
    assert invoice.subtotal == Decimal("160.00")
    assert invoice.total == Decimal(str(created["Total"]))  # Xero's tax on account 200 included
    assert invoice.customer.email == "omar@example.com"
    drain_until_done(qbo), drain_until_done(xero)
    assert numbers(qbo)["XR-4001"] == 1
    assert numbers(xero)["XR-4001"] == 1
    [in_quickbooks] = remote(qbo, "invoice").filter(data__DocNumber="XR-4001")
    assert Decimal(str(in_quickbooks.data["TotalAmt"])) == invoice.total


def test_payment_recorded_in_xero_part_pays_the_hub_invoice_and_stays_out_of_quickbooks(
    both, live_hub
):
    from apps.integrations.xero.client import XeroClient

    qbo, xero = both
    invoice = live_hub.invoice()
    drain_until_done(qbo), drain_until_done(xero)
    pull(xero)
    remote_id = Link.objects.get(integration=xero, kind="invoice", object_id=invoice.pk).remote_id
    XeroClient(xero).create(
        "Payments",
        {
            "Invoice": {"InvoiceID": remote_id},
            "Account": {"Code": "090"},
            "Amount": 100,
            "Date": timezone.localdate().isoformat(),
        },
        key="test-xero-payment",
    )
    pull(xero)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert invoice.amount_paid == Decimal("100.00")
    drain_until_done(qbo)
    assert not written(qbo, "Payment").exists()


def test_record_the_provider_refuses_is_parked_with_its_message_and_the_rest_carry_on(
    both, live_hub
):
    missing = {"quickbooks": "999999", "xero": "00000000-0000-0000-0000-000000000999"}
    refused = live_hub.customer("Gone Away", "gone@example.com")
    for integration in both:
        # Deleted in the accounting system meanwhile: its invoices are refused there.
        Link.objects.create(
            integration=integration,
            kind="customer",
            object_id=refused.pk,
            remote_id=missing[integration.provider],
            created_by="hub",
        )
    bad = live_hub.invoice(refused)
    good = live_hub.invoice(live_hub.customer("Ann Lee", "ann@example.com"))
    for integration in both:
        drain_until_done(integration)
        found = numbers(integration)
        assert (found[good.number], found[bad.number]) == (1, 0), integration.provider
        parked = Change.objects.get(integration=integration, kind="invoice", object_id=bad.pk)
        entry = SyncLogEntry.objects.get(
            integration=integration, kind="invoice", object_id=bad.pk, outcome="failed"
        )
        assert parked.state == "failed" and entry.message == parked.last_error != ""


def test_sync_now_with_nothing_changed_makes_at_most_three_requests(both, live_hub):
    from apps.sandbox.control import requests_count
    from apps.sync.services import sync_now, sync_run_execute

    for n in range(5):
        live_hub.invoice(live_hub.customer(f"Client {n}", f"client{n}@example.com"))
    for integration in both:
        sync_run_execute(run=sync_now(integration=integration))  # pulls, then sends them
        counted = requests_count(integration.remote_company_id)
        sync_run_execute(run=sync_now(integration=integration))  # reads back what it sent
        # Reading the hub's own writes back: invoices moved, so Xero also reads payments and
        # credit notes (no credit note moved: no refunds); QuickBooks' change feed is one.
        assert requests_count(integration.remote_company_id) - counted <= 5, integration.provider
        counted = requests_count(integration.remote_company_id)
        run = sync_run_execute(run=sync_now(integration=integration))
        # Nothing changed: the pull alone, QuickBooks 1 request, Xero 3 (contacts, quotes,
        # invoices; docs/pulls.md, "Credit notes").
        assert requests_count(integration.remote_company_id) - counted <= 3, integration.provider
        assert run.counts["pushed"] == 0 and run.status == "succeeded"
