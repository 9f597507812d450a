from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from apps.integrations.models import Integration
from apps.invoices.models import Invoice, InvoiceLine, Payment
from apps.invoices.services import (
    invoice_cancel,
    invoice_create,
    invoice_send,
    invoice_update,
    payment_collect_online,
    payment_record,
    payment_void,
)
from apps.sync.models import Change
from tests.factories import CustomerFactory, InvoiceFactory, OrganisationFactory, line
from tests.threads import run_at_once

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def customer(org):
    return CustomerFactory(organisation=org, email="ann@example.com")


@pytest.fixture
def connected(org):
    return Integration.objects.create(
        organisation=org,
        provider="quickbooks",
        remote_company_id="1",
        country="US",
        currency="USD",
        region="us",
    )


def make(org, customer, *lines, **header):
    header = {"customer": customer, "issue_date": TODAY, **header}
    return invoice_create(organisation=org, lines=list(lines) or [line()], **header)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_new_invoice_is_a_draft_numbered_per_organisation_with_totals(org, customer):
    invoice = make(org, customer, line(quantity="2", unit_price="50.00"), tax_rate=Decimal("10"))
    second = make(org, customer)
    other_customer = CustomerFactory()
    other = make(other_customer.organisation, other_customer)
    assert (invoice.number, second.number) == ("INV-0001", "INV-0002")
    assert other.number == "INV-0001"
    assert invoice.status == Invoice.Status.DRAFT
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("100.00"),
        Decimal("10.00"),
        Decimal("110.00"),
    )
    assert invoice.billing_email == "ann@example.com"
    assert invoice.currency == "USD"


def test_numbering_skips_a_number_already_taken(org, customer):
    InvoiceFactory(organisation=org, number="INV-0001")
    assert make(org, customer).number == "INV-0002"


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        (line(quantity="-1"), "Line 1: the quantity cannot be negative."),
        (line(unit_price="-5"), "Line 1: the unit price cannot be negative."),
        (line(description=" "), "Line 1: enter a description."),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_saved(org, customer, bad_line, message):
    with pytest.raises(ValidationError) as excinfo:
        make(org, customer, bad_line)
    assert message in errors_of(excinfo)["lines"]
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


@pytest.mark.parametrize(
    ("header", "field", "message"),
    [
        ({"currency": "XYZ"}, "currency", "“XYZ” is not a known currency"),
        ({"due_date": TODAY - dt.timedelta(days=1)}, "due_date", "cannot be before the issue"),
        ({"billing_email": "not-an-email"}, "billing_email", "not a valid e-mail"),
        ({"tax_rate": Decimal("120")}, "tax_rate", "between 0 and 100"),
    ],
)
def test_bad_header_values_are_refused_beside_their_field(org, customer, header, field, message):
    with pytest.raises(ValidationError) as excinfo:
        make(org, customer, **header)
    assert message in errors_of(excinfo)[field][0]
    assert not Invoice.objects.exists()


def test_customer_of_another_organisation_is_refused(org):
    with pytest.raises(ValidationError) as excinfo:
        make(org, CustomerFactory())
    assert "customer" in errors_of(excinfo)


def test_update_replaces_lines_and_totals(org, customer):
    invoice = make(org, customer, line(), line())
    invoice = invoice_update(
        invoice=invoice, lines=[line(unit_price="30.00")], customer=customer, issue_date=TODAY
    )
    assert invoice.lines.count() == 1
    assert invoice.total == Decimal("30.00")


def test_failed_update_leaves_the_invoice_as_it_was(org, customer):
    invoice = make(org, customer)
    with pytest.raises(ValidationError):
        invoice_update(
            invoice=invoice,
            lines=[line(quantity="-1")],
            customer=customer,
            issue_date=TODAY,
            notes="changed",
        )
    invoice.refresh_from_db()
    assert invoice.notes == ""
    assert invoice.lines.get().quantity == Decimal("1")


@pytest.mark.parametrize("status", [Invoice.Status.PAID, Invoice.Status.CANCELLED])
def test_paid_or_cancelled_invoice_cannot_be_edited(org, customer, status):
    invoice = InvoiceFactory(organisation=org, customer=customer, status=status)
    with pytest.raises(ValidationError, match="cannot be edited"):
        invoice_update(invoice=invoice, lines=[line()], customer=customer, issue_date=TODAY)


def test_sending_and_cancelling_record_changes_for_connected_integrations(org, customer, connected):
    invoice = make(org, customer)
    invoice = invoice_send(invoice=invoice)
    assert invoice.status == Invoice.Status.SENT and invoice.sent_at
    assert Change.objects.filter(
        integration=connected, kind="invoice", object_id=invoice.pk
    ).exists()
    assert invoice_cancel(invoice=invoice).status == Invoice.Status.CANCELLED
    with pytest.raises(ValidationError, match="is cancelled, so it cannot be sent"):
        invoice_send(invoice=invoice)


def sent(org, customer, total="100.00"):
    invoice = make(org, customer, line(unit_price=total))
    return invoice_send(invoice=invoice)


def test_payments_move_the_invoice_to_partially_paid_then_paid(org, customer):
    invoice = sent(org, customer)
    payment_record(invoice=invoice, amount="40.00")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        Invoice.Status.PARTIALLY_PAID,
        Decimal("40.00"),
        Decimal("60.00"),
    )
    payment_record(invoice=invoice, amount="60.00")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_paying_more_than_the_balance_is_refused(org, customer):
    invoice = sent(org, customer)
    payment_record(invoice=invoice, amount="90.00")
    with pytest.raises(ValidationError) as excinfo:
        payment_record(invoice=invoice, amount="10.01")
    assert "more than the balance of 10.00 USD" in errors_of(excinfo)["amount"][0]
    assert Payment.objects.count() == 1


def test_zero_or_negative_payment_is_refused(org, customer):
    invoice = sent(org, customer)
    for amount in ("0", "-5"):
        with pytest.raises(ValidationError, match="more than zero"):
            payment_record(invoice=invoice, amount=amount)


@pytest.mark.parametrize("record", [payment_record, payment_collect_online])
def test_a_payment_of_nan_is_refused_as_not_a_number_and_nothing_is_written(org, customer, record):
    invoice = sent(org, customer)
    before = Change.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        record(invoice=invoice, amount="NaN")
    assert errors_of(excinfo)["amount"] == ["Enter the amount as a number, e.g. 120.00."]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.SENT, Decimal("0.00"))
    assert not Payment.objects.exists() and Change.objects.count() == before


def test_draft_invoice_cannot_be_paid(org, customer):
    with pytest.raises(ValidationError, match="is draft, so it cannot be paid"):
        payment_record(invoice=make(org, customer), amount="1")


def test_voiding_a_payment_gives_the_balance_back(org, customer):
    invoice = sent(org, customer)
    payment = payment_record(invoice=invoice, amount="100.00")
    payment_void(payment=payment)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.SENT, Decimal("0.00"))
    with pytest.raises(ValidationError, match="already voided"):
        payment_void(payment=payment)


def test_invoice_with_payments_cannot_be_cancelled(org, customer):
    invoice = sent(org, customer)
    payment_record(invoice=invoice, amount="10.00")
    with pytest.raises(ValidationError):
        invoice_cancel(invoice=invoice)


def test_hub_payment_is_refused_while_an_integration_is_connected(org, customer, connected):
    invoice = sent(org, customer)
    with pytest.raises(ValidationError, match="recorded in your accounting system"):
        payment_record(invoice=invoice, amount="10.00")
    assert not Payment.objects.exists()


def test_integration_payment_is_accepted_while_connected_and_not_sent_onward(
    org, customer, connected
):
    invoice = sent(org, customer)
    Change.objects.all().delete()
    payment_record(
        invoice=invoice, amount="10.00", source="integration", source_integration=connected
    )
    assert not Change.objects.filter(kind="payment").exists()


def test_online_payment_on_an_invoice_is_taken_while_connected_and_recorded_for_sync(
    org, customer, connected
):
    invoice = sent(org, customer)
    payment = payment_collect_online(invoice=invoice, amount="100.00", reference="ch_1")
    invoice.refresh_from_db()
    assert payment.source == Payment.Source.ONLINE
    assert invoice.status == Invoice.Status.PAID
    assert Change.objects.filter(kind="payment", object_id=payment.pk).exists()


def test_online_payment_without_invoice_belongs_to_the_customer(org, customer):
    payment = payment_collect_online(customer=customer, amount="25.00")
    assert payment.invoice is None
    assert payment.customer == customer


@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_cannot_overpay():
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections need PostgreSQL")
    org = OrganisationFactory()
    invoice = sent(org, CustomerFactory(organisation=org))
    barrier = threading.Barrier(2)
    refused: list[str] = []

    def pay():
        barrier.wait()
        try:
            payment_record(invoice=invoice, amount="60.00")
        except ValidationError as exc:
            refused.append(exc.messages[0])
        finally:
            connections.close_all()

    run_at_once(pay, 2)
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("60.00")
    assert len(refused) == 1 and "more than the balance" in refused[0]


def test_a_rate_of_three_decimals_is_kept_as_given_so_the_stored_rate_gives_the_stored_tax(
    org, customer
):
    invoice = make(
        org, customer, line(quantity="1", unit_price="141.30"), tax_rate=Decimal("8.875")
    )
    invoice.refresh_from_db()
    assert invoice.tax_rate == Decimal("8.875")
    assert invoice.tax_total == Decimal("12.54")  # 141.30 × 8.875 % = 12.540375
    assert invoice.tax_rate_shown == "8.875"
