"""Hub → integration: what is sent, what is held back and why
(docs/sync-rules.md).

These tests drive the engine against an in-memory provider, to pin its decisions down; the same
flows run against the real adapters and sandboxes in test_end_to_end.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.customers.services import customer_create
from apps.invoices.models import Invoice, Payment
from apps.invoices.services import invoice_cancel, invoice_update, payment_collect_online
from apps.sync import rules
from apps.sync.models import Change, Link, SyncLogEntry
from apps.sync.push import drain
from apps.sync.services import integration_sync_to_enabled
from tests.sync.conftest import LINE

pytestmark = pytest.mark.django_db


def held_back_reasons(integration, obj) -> list[str]:
    return list(
        SyncLogEntry.objects.filter(
            integration=integration, object_id=obj.pk, outcome=SyncLogEntry.Outcome.HELD_BACK
        ).values_list("message", flat=True)
    )


def link(integration, kind, obj) -> Link | None:
    return Link.objects.filter(integration=integration, kind=kind, object_id=obj.pk).first()


def test_change_made_in_hub_is_sent_to_every_integration_with_sync_to_on(connect, hub, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    invoice = hub.invoice()
    drain(qbo), drain(xero)
    assert remotes(qbo).count("invoice") == 1
    assert remotes(xero).count("invoice") == 1
    assert link(qbo, "invoice", invoice) and link(xero, "invoice", invoice)


def test_integration_with_invoices_sync_to_off_does_not_receive_hub_invoices(connect, hub, remotes):
    qbo, xero = connect("quickbooks"), connect("xero", invoices_sync_to=False)
    hub.invoice()
    drain(qbo), drain(xero)
    assert remotes(qbo).count("invoice") == 1
    assert remotes(xero).count("invoice") == 0
    assert not Change.objects.filter(integration=xero, kind="invoice").exists()


def test_draft_invoice_is_held_back_until_it_is_sent(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice(send=False)
    drain(qbo)
    assert remotes(qbo).count("invoice") == 0
    assert held_back_reasons(qbo, invoice) == [rules.DRAFT_INVOICE]
    from apps.invoices.services import invoice_send

    invoice_send(invoice=invoice)
    drain(qbo)
    assert remotes(qbo).count("invoice") == 1


def test_draft_quote_is_held_back_until_it_is_sent(connect, hub, remotes):
    qbo = connect()
    quote = hub.quote(send=False)
    drain(qbo)
    assert remotes(qbo).count("quote") == 0
    assert held_back_reasons(qbo, quote) == [rules.DRAFT_QUOTE]


def test_customer_is_pushed_before_its_first_invoice_even_with_customer_sync_to_off(
    connect, hub, remotes
):
    qbo = connect(customers_sync_to=False)
    invoice = hub.invoice()
    drain(qbo)
    remote = remotes(qbo)
    names = [call[0] for call in remote.calls]
    assert names.index("push_customer") < names.index("push_invoice")
    customer_link = link(qbo, "customer", invoice.customer)
    assert remote.records["invoice"][link(qbo, "invoice", invoice).remote_id]["customer"] == (
        customer_link.remote_id
    )


def test_customer_already_in_integration_is_matched_by_email_not_duplicated(connect, hub, remotes):
    qbo = connect(customers_sync_to=False)
    remote = remotes(qbo)
    existing = remote.add_customer("N. Brown", email="NICK@example.com")
    invoice = hub.invoice(hub.customer("Nick Brown", email="nick@example.com"))
    drain(qbo)
    assert remote.count("customer") == 1
    assert link(qbo, "customer", invoice.customer).remote_id == existing.remote_id


def test_business_sharing_an_email_with_an_already_linked_customer_is_created_on_its_own(
    connect, hub, remotes
):
    qbo = connect()
    kathy = hub.invoice(hub.customer("Kookies Kathy", email="shared@example.com"))
    diner = hub.invoice(hub.customer("Red Diner", email="shared@example.com"))
    drain(qbo)
    remote = remotes(qbo)
    assert remote.count("customer") == 2
    kathy_link, diner_link = (
        link(qbo, "customer", kathy.customer),
        link(qbo, "customer", diner.customer),
    )
    assert kathy_link.remote_id != diner_link.remote_id
    invoice_customers = {data["customer"] for data in remote.records["invoice"].values()}
    assert invoice_customers == {kathy_link.remote_id, diner_link.remote_id}


def test_same_person_entered_twice_in_the_hub_is_left_for_merging_not_created_twice(
    connect, hub, remotes
):
    qbo = connect()
    first = hub.invoice(hub.customer("Nick Brown", email="nick@example.com"))
    hub.invoice(
        customer_create(
            organisation=first.organisation, display_name="Brown, Nick", email="NICK@example.com"
        )
    )
    drain(qbo)
    assert remotes(qbo).count("customer") == 1


def test_unchanged_record_is_not_pushed_again(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    drain(qbo)
    calls = len(remotes(qbo).calls_of("push_invoice"))
    Change.objects.create(integration=qbo, kind="invoice", object_id=invoice.pk)
    drain(qbo)
    assert len(remotes(qbo).calls_of("push_invoice")) == calls
    assert Change.objects.filter(integration=qbo, state="done").count() >= 2


def test_later_hub_edit_is_sent_as_an_update_of_the_same_remote_record(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    drain(qbo)
    remote_id = link(qbo, "invoice", invoice).remote_id
    invoice_update(invoice=invoice, lines=[LINE, LINE])
    drain(qbo)
    remote = remotes(qbo)
    assert remote.count("invoice") == 1
    assert remote.records["invoice"][remote_id]["total"] == "500.00"
    assert remote.calls_of("push_invoice")[-1][2] == remote_id


def test_paid_invoice_is_not_pushed_to_new_integration(connect, hub, remotes, org):
    invoice = hub.invoice()
    Invoice.objects.filter(pk=invoice.pk).update(status="paid", amount_paid=invoice.total)
    xero = connect("xero", invoices_sync_to=False)
    xero.invoices_sync_to = True
    xero.save()
    integration_sync_to_enabled(integration=xero, kind="invoice")
    drain(xero)
    assert remotes(xero).count("invoice") == 0
    assert held_back_reasons(xero, invoice) == [rules.PAID]


def test_partially_paid_invoice_is_not_pushed(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    Invoice.objects.filter(pk=invoice.pk).update(status="partially_paid", amount_paid=10)
    drain(qbo)
    assert remotes(qbo).count("invoice") == 0
    assert held_back_reasons(qbo, invoice) == [rules.PAID]


def test_cancelled_invoice_is_not_backfilled_to_new_integration(connect, hub, remotes):
    invoice = invoice_cancel(invoice=hub.invoice())
    xero = connect("xero")
    integration_sync_to_enabled(integration=xero, kind="invoice")
    drain(xero)
    assert remotes(xero).count("invoice") == 0
    assert held_back_reasons(xero, invoice) == [rules.CANCELLED_NOT_BACKFILLED]


def test_cancelled_quote_is_not_backfilled_to_new_integration(connect, hub, remotes):
    from apps.quotes.services import quote_cancel

    quote = quote_cancel(quote=hub.quote())
    xero = connect("xero")
    integration_sync_to_enabled(integration=xero, kind="quote")
    assert held_back_reasons(xero, quote) == [rules.CANCELLED_NOT_BACKFILLED]
    assert remotes(xero).count("quote") == 0


def test_cancellation_of_a_linked_invoice_is_sent_as_a_void(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    drain(qbo)
    invoice_cancel(invoice=invoice)
    drain(qbo)
    remote = remotes(qbo)
    remote_id = link(qbo, "invoice", invoice).remote_id
    assert remote.calls_of("void") == [("void", "invoice", remote_id)]
    assert remote.records["invoice"][remote_id]["status"] == "cancelled"


def test_in_progress_records_are_sent_when_sync_to_is_turned_on(connect, hub, remotes):
    sent, draft = hub.invoice(), hub.invoice(send=False)
    quote = hub.quote()
    xero = connect("xero")
    assert integration_sync_to_enabled(integration=xero, kind="invoice") == 1
    assert integration_sync_to_enabled(integration=xero, kind="quote") == 1
    drain(xero)
    assert link(xero, "invoice", sent) and link(xero, "quote", quote)
    assert link(xero, "invoice", draft) is None


def test_master_switch_off_sends_nothing_whatever_the_toggles_say(connect, hub, remotes):
    qbo = connect(sync_enabled=False)
    hub.invoice()
    Change.objects.create(integration=qbo, kind="customer", object_id=hub.customer("A B").pk)
    drain(qbo)
    assert remotes(qbo).calls == []


def test_invoice_imported_from_history_is_never_pushed_back_to_its_source(connect, hub, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    invoice = hub.invoice()
    Invoice.objects.filter(pk=invoice.pk).update(imported_from=qbo)
    drain(qbo)
    assert remotes(qbo).count("invoice") == 0
    assert held_back_reasons(qbo, invoice) == [rules.IMPORTED_FROM_HERE]
    drain(xero)  # only its source is spared
    assert remotes(xero).count("invoice") == 1


def test_payment_collected_online_goes_against_the_linked_invoice(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    drain(qbo)
    payment = payment_collect_online(invoice=invoice, amount="100.00")
    drain(qbo)
    remote = remotes(qbo)
    assert remote.calls_of("push_payment") == [
        (
            "push_payment",
            payment.pk,
            link(qbo, "invoice", invoice).remote_id,
            remote.calls_of("push_payment")[0][3],
        )
    ]
    assert link(qbo, "payment", payment)


def test_invoice_goes_before_the_online_payment_that_settles_it(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    payment_collect_online(invoice=invoice, amount="250.00")  # both wait in the outbox
    drain(qbo)
    remote = remotes(qbo)
    names = [call[0] for call in remote.calls if call[0].startswith("push_")]
    assert names == ["push_customer", "push_invoice", "push_payment"]
    assert remote.count("payment") == 1


def test_online_payment_without_an_invoice_becomes_a_sales_receipt(connect, hub, remotes):
    qbo = connect()
    customer = hub.customer()
    payment_collect_online(customer=customer, amount="40.00")
    drain(qbo)
    assert remotes(qbo).count("sales_receipt") == 1


def test_payment_recorded_in_an_integration_is_never_pushed_anywhere(connect, hub, remotes):
    qbo, xero = connect("quickbooks"), connect("xero")
    invoice = hub.invoice()
    payment = Payment.objects.create(
        invoice=invoice,
        customer=invoice.customer,
        amount=Decimal("5"),
        date=invoice.issue_date,
        source="integration",
        source_integration=qbo,
    )
    Change.objects.create(integration=xero, kind="payment", object_id=payment.pk)
    drain(xero)
    assert remotes(xero).calls_of("push_payment") == []
    assert held_back_reasons(xero, payment) == [rules.PAYMENT_FROM_INTEGRATION]


def test_payment_is_held_back_where_payments_sync_to_is_off(connect, hub, remotes):
    qbo = connect(payments_sync_to=False)
    payment = payment_collect_online(customer=hub.customer(), amount="40.00")
    Change.objects.create(integration=qbo, kind="payment", object_id=payment.pk)
    drain(qbo)
    assert remotes(qbo).calls_of("push_payment") == []
    assert held_back_reasons(qbo, payment) == [rules.sync_to_off(qbo, "payment")]


def test_history_held_back_is_logged_once_however_often_sync_now_runs(connect, hub, remotes):
    from apps.sync.services import sync_now, sync_run_execute

    invoice = invoice_cancel(invoice=hub.invoice())
    xero = connect("xero")
    runs = [sync_run_execute(run=sync_now(integration=xero)) for _ in range(2)]
    assert [run.counts["held_back"] for run in runs] == [1, 1]
    assert held_back_reasons(xero, invoice) == [rules.CANCELLED_NOT_BACKFILLED]
