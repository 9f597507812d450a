"""Integration → hub, then on to the other integrations (docs/sync-rules.md:
"Through the hub", "No echoes", "Payments", "Matching and duplicates")."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.customers.models import Customer
from apps.integrations.contract import PullPage, Pushed, RemoteChange
from apps.invoices.models import Invoice, Payment
from apps.invoices.services import invoice_update
from apps.quotes.models import Quote
from apps.sync.models import Change, Link, SyncLogEntry, SyncState
from apps.sync.pull import pull
from apps.sync.push import drain
from tests.sync.conftest import LINE
from tests.sync.memory import remote_customer, remote_invoice, remote_payment

pytestmark = pytest.mark.django_db


def feed(remote, *records, deleted=False):
    remote.feed.extend(
        RemoteChange(kind=getattr(r, "kind", None) or _kind(r), remote_id=r.remote_id, record=r)
        for r in records
    )


def _kind(record) -> str:
    return "customer" if hasattr(record, "display_name") else "payment"


def pull_invoice_from(qbo, remotes, *, number="R-100", status="sent", **extra):
    """Someone creates a customer and an invoice in the integration; the hub pulls them."""
    remote = remotes(qbo)
    customer = remote.add_customer("Jane Marshall", email="jane@example.com")
    document = remote_invoice(customer.remote_id, number=number, status=status, **extra)
    feed(remote, customer, document)
    pull(qbo)
    return document


def hub_link(integration, kind, remote_id) -> Link | None:
    return Link.objects.filter(integration=integration, kind=kind, remote_id=remote_id).first()


def test_invoice_made_in_one_integration_reaches_the_others_through_the_hub(connect, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    document = pull_invoice_from(qbo, remotes)
    invoice = Invoice.objects.get(number="R-100")
    assert invoice.total == Decimal("250.00") and invoice.status == "sent"
    # Queued for the other integration through the outbox, never for its source.
    assert Change.objects.filter(integration=xero, kind="invoice", object_id=invoice.pk).exists()
    assert not Change.objects.filter(integration=qbo, kind="invoice").exists()
    drain(xero), drain(qbo)
    assert remotes(xero).count("invoice") == 1
    assert remotes(qbo).calls_of("push_invoice") == []
    assert hub_link(qbo, "invoice", document.remote_id).object_id == invoice.pk


def test_pulled_change_is_never_echoed_back_to_its_source(connect, remotes):
    qbo = connect("quickbooks")
    document = pull_invoice_from(qbo, remotes)
    invoice = Invoice.objects.get(number="R-100")
    Change.objects.get_or_create(integration=qbo, kind="invoice", object_id=invoice.pk)
    Change.objects.get_or_create(integration=qbo, kind="customer", object_id=invoice.customer_id)
    drain(qbo)
    remote = remotes(qbo)
    assert remote.calls_of("push_invoice") == [] and remote.calls_of("push_customer") == []
    assert hub_link(qbo, "invoice", document.remote_id)


def test_later_hub_change_to_a_pulled_invoice_goes_to_its_source_too(connect, remotes):
    qbo = connect("quickbooks")
    document = pull_invoice_from(qbo, remotes)
    invoice = Invoice.objects.get(number="R-100")
    invoice_update(invoice=invoice, lines=[LINE, LINE])
    drain(qbo)
    assert remotes(qbo).calls_of("push_invoice")[0][2] == document.remote_id


def test_change_needs_sync_from_on_the_source_and_sync_to_on_the_destination(connect, remotes):
    qbo = connect("quickbooks", invoices_sync_from=False)
    xero = connect("xero", invoices_sync_to=False)
    pull_invoice_from(qbo, remotes)
    assert not Invoice.objects.exists()
    qbo.invoices_sync_from = True
    qbo.save()
    pull_invoice_from(qbo, remotes, number="R-101")
    assert Invoice.objects.filter(number="R-101").exists()
    assert not Change.objects.filter(integration=xero, kind="invoice").exists()


def test_pulled_customer_is_matched_by_email_first(connect, hub, remotes):
    qbo = connect()
    existing = hub.customer("Nick Brown", email="nick@example.com")
    remote = remotes(qbo)
    feed(remote, remote_customer("C-9", "Brown, Nick", "NICK@EXAMPLE.COM"))
    pull(qbo)
    assert Customer.objects.count() == 1
    assert hub_link(qbo, "customer", "C-9").object_id == existing.pk


def test_pulled_customer_is_matched_by_name_and_phone_when_emails_differ(connect, hub, remotes):
    qbo = connect()
    existing = hub.customer("Nick Brown", email="", phone="(02) 9123 4567")
    feed(remotes(qbo), remote_customer("C-10", "Brown, Nick", "", phone="+61 2 9123 4567"))
    pull(qbo)
    assert Customer.objects.count() == 1
    assert hub_link(qbo, "customer", "C-10").object_id == existing.pk


def test_customer_under_different_names_without_email_stays_two_customers(connect, hub, remotes):
    qbo = connect()
    hub.customer("Jane Marshall", email="")
    feed(remotes(qbo), remote_customer("C-11", "Marshall & Co", ""))
    pull(qbo)
    assert Customer.objects.count() == 2  # to be merged from the Customers page


def test_two_customers_one_integration_keeps_apart_stay_two_even_with_one_email(connect, remotes):
    # Intuit's sample company has two businesses sharing one e-mail address.
    qbo = connect()
    feed(
        remotes(qbo),
        remote_customer("C-20", "Kookies by Kathy", "shared@example.com"),
        remote_customer("C-21", "Red Rock Diner", "shared@example.com"),
    )
    pull(qbo)
    pull(qbo)  # a second pull must not swap the links back and forth
    kathy, diner = hub_link(qbo, "customer", "C-20"), hub_link(qbo, "customer", "C-21")
    assert kathy.object_id != diner.object_id
    assert Customer.objects.get(pk=diner.object_id).display_name == "Red Rock Diner"
    assert Customer.objects.get(pk=kathy.object_id).display_name == "Kookies by Kathy"


def test_one_hub_customer_per_person_across_two_integrations(connect, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    feed(remotes(qbo), remote_customer("Q-1", "Ann Lee", "ann@example.com"))
    feed(remotes(xero), remote_customer("X-1", "Lee, Ann", "Ann@Example.com"))
    pull(qbo), pull(xero)
    [customer] = Customer.objects.all()
    assert hub_link(qbo, "customer", "Q-1").object_id == customer.pk
    assert hub_link(xero, "customer", "X-1").object_id == customer.pk


def test_new_customer_from_an_integration_is_created_and_sent_to_the_others(connect, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    feed(remotes(qbo), remote_customer("Q-2", "Omar Haddad", "omar@example.com"))
    pull(qbo)
    customer = Customer.objects.get(email="omar@example.com")
    drain(xero)
    assert hub_link(xero, "customer", remotes(xero).calls_of("push_customer")[0][2] or "") is None
    assert Link.objects.filter(integration=xero, kind="customer", object_id=customer.pk).exists()


def test_payment_recorded_in_an_integration_updates_the_hub_and_goes_nowhere_else(connect, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    document = pull_invoice_from(qbo, remotes)
    drain(xero)
    feed(remotes(qbo), remote_payment(document.remote_id, "100.00"))
    pull(qbo)
    invoice = Invoice.objects.get(number="R-100")
    assert invoice.amount_paid == Decimal("100.00")
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    payment = Payment.objects.get()
    assert payment.source == Payment.Source.INTEGRATION and payment.source_integration == qbo
    assert not Change.objects.filter(kind="payment").exists()
    drain(xero)
    assert remotes(xero).calls_of("push_payment") == []


def test_payment_in_full_marks_the_hub_invoice_paid(connect, remotes):
    qbo = connect()
    document = pull_invoice_from(qbo, remotes)
    payment = remote_payment(document.remote_id, "250.00")
    feed(remotes(qbo), payment)
    pull(qbo)
    assert Invoice.objects.get().status == Invoice.Status.PAID
    feed(remotes(qbo), payment)  # read again in the overlap: applied once
    pull(qbo)
    assert Payment.objects.count() == 1


def test_voided_payment_in_an_integration_reopens_the_hub_invoice(connect, remotes):
    qbo = connect()
    document = pull_invoice_from(qbo, remotes)
    feed(remotes(qbo), remote_payment(document.remote_id, "250.00", remote_id="P-1"))
    pull(qbo)
    feed(
        remotes(qbo),
        remote_payment(document.remote_id, "250.00", remote_id="P-1", voided=True, version="1"),
    )
    pull(qbo)
    invoice = Invoice.objects.get()
    assert invoice.status == Invoice.Status.SENT and invoice.amount_paid == 0


def test_void_in_one_integration_cancels_in_the_hub_and_in_the_others(connect, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    document = pull_invoice_from(qbo, remotes)
    drain(xero)
    voided = remote_invoice(
        document.customer_remote_id,
        number="R-100",
        status="cancelled",
        remote_id=document.remote_id,
        version="1",
    )
    feed(remotes(qbo), voided)
    pull(qbo)
    assert Invoice.objects.get().status == Invoice.Status.CANCELLED
    drain(xero)
    assert len(remotes(xero).calls_of("void")) == 1


def test_quote_made_in_an_integration_is_pulled(connect, remotes):
    qbo = connect()
    remote = remotes(qbo)
    customer = remote.add_customer("Ann Lee", email="ann@example.com")
    feed(remote, customer, remote_invoice(customer.remote_id, kind="quote", number="E-7"))
    pull(qbo)
    assert Quote.objects.get(number="E-7").status == "sent"


def test_unchanged_remote_record_read_again_is_not_applied_twice(connect, remotes):
    qbo = connect()
    document = pull_invoice_from(qbo, remotes)
    feed(remotes(qbo), document)
    pull(qbo)
    assert Invoice.objects.count() == 1
    # Read back unchanged: no second line in the Sync Log, only the first pull's.
    assert SyncLogEntry.objects.filter(remote_id=document.remote_id).count() == 1


def test_history_from_before_the_connection_is_not_pulled(connect, remotes):
    qbo = connect()
    pull_invoice_from(qbo, remotes, issue_date=timezone.localdate() - timedelta(days=60))
    assert not Invoice.objects.exists()


def test_historical_import_brings_invoices_in_and_never_pushes_them_back(connect, remotes):
    qbo = connect(import_historical_invoices=True)
    xero = connect("xero")
    pull_invoice_from(qbo, remotes, issue_date=timezone.localdate() - timedelta(days=60))
    invoice = Invoice.objects.get()
    assert invoice.imported_from == qbo
    Change.objects.create(integration=qbo, kind="invoice", object_id=invoice.pk)
    drain(qbo)
    assert remotes(qbo).calls_of("push_invoice") == []
    assert not Change.objects.filter(integration=xero, kind="invoice").exists()


def test_remote_record_the_hub_refuses_is_logged_and_nothing_is_half_written(connect, remotes):
    qbo = connect()
    remote = remotes(qbo)
    customer = remote.add_customer("Ann Lee", email="ann@example.com")
    bad = remote_invoice(
        customer.remote_id, number="R-9", due_date=timezone.localdate() - timedelta(days=5)
    )
    good = remote_invoice(customer.remote_id, number="R-10")
    feed(remote, customer, bad, good)
    pull(qbo)
    assert list(Invoice.objects.values_list("number", flat=True)) == ["R-10"]
    failed = SyncLogEntry.objects.get(remote_id=bad.remote_id)
    assert failed.outcome == "failed" and "due date" in failed.message


def test_pull_starts_from_the_stored_watermark_as_the_adapter_wrote_it(connect, remotes):
    qbo = connect()
    pull(qbo)
    state = SyncState.objects.get(integration=qbo)
    pull(qbo)
    # The overlap is the adapter's: it knows its provider's clock.
    assert remotes(qbo).pulled_since == [None, state.watermark]


def test_a_quiet_pull_keeps_an_unchanged_watermark_current(connect, remotes):
    qbo = connect()
    pull(qbo)
    SyncState.objects.filter(integration=qbo).update(
        watermark="quiet", watermark_taken_at=timezone.now() - timedelta(days=29)
    )
    remote = remotes(qbo)
    remote.pull = lambda kinds, since: iter([PullPage(changes=[], watermark=since)])
    pull(qbo, adapter=remote)
    state = SyncState.objects.get(integration=qbo)
    assert state.watermark == "quiet"
    assert timezone.now() - state.watermark_taken_at < timedelta(minutes=1)


def test_watermark_older_than_30_days_means_a_full_scan(connect, remotes):
    qbo = connect()
    pull(qbo)
    SyncState.objects.filter(integration=qbo).update(
        watermark_taken_at=timezone.now() - timedelta(days=31)
    )
    pull(qbo)
    assert remotes(qbo).pulled_since == [None, None]
    assert SyncState.objects.get(integration=qbo).last_full_scan_at is not None


def test_invoice_pulled_before_its_customer_fetches_the_customer_first(connect, remotes):
    qbo = connect()
    remote = remotes(qbo)
    customer = remote.add_customer("Ann Lee", email="ann@example.com")
    feed(remote, remote_invoice(customer.remote_id, number="R-11"))
    pull(qbo)
    assert Invoice.objects.get(number="R-11").customer.email == "ann@example.com"
    assert remote.calls_of("fetch") == [("fetch", "customer", customer.remote_id)]


def test_name_the_integration_gave_a_duplicate_is_not_pulled_back_as_a_rename(
    connect, hub, remotes
):
    qbo = connect("quickbooks")
    customer = hub.customer("Nick Brown", email="nick@example.com")
    remote = remotes(qbo)
    original = remote.push_customer

    def push_customer(customer, remote_id, *, key):  # QBO refused the name as a duplicate
        pushed = original(customer, remote_id, key=key)
        return Pushed(pushed.remote_id, pushed.remote_version, remote_name="Nick Brown (2)")

    remote.push_customer = push_customer
    drain(qbo)
    remote_id = Link.objects.get(integration=qbo, kind="customer", object_id=customer.pk).remote_id
    # Someone adds a phone number to that customer in QuickBooks.
    feed(
        remote,
        remote_customer(
            remote_id, "Nick Brown (2)", "nick@example.com", phone="0412 345 678", version="5"
        ),
    )
    pull(qbo)
    customer.refresh_from_db()
    assert customer.display_name == "Nick Brown"
    assert customer.phone == "0412 345 678"
