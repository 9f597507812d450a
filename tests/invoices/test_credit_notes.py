"""Credit notes and refunds in the hub: what they do to the invoice's amount due and status,
and what they refuse (docs/credit-notes.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.integrations.models import Integration
from apps.invoices.credits import (
    credit_note_create,
    credit_note_void,
    refund_record,
    refund_void,
)
from apps.invoices.models import CreditNote, Invoice
from apps.invoices.services import invoice_create, invoice_send, payment_record
from apps.sync.models import Change
from tests.factories import CustomerFactory, line
from tests.threads import run_at_once

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def invoice(org):
    customer = CustomerFactory(organisation=org)
    invoice = invoice_create(
        organisation=org,
        customer=customer,
        issue_date=TODAY,
        tax_rate=Decimal("10"),
        lines=[line("Labour", "2", "50.00"), line("Parts", "1", "33.33")],
    )
    return invoice_send(invoice=invoice)


def test_a_full_credit_note_copies_the_lines_and_leaves_nothing_due(invoice):
    note = credit_note_create(invoice=invoice, reason="Job cancelled")
    invoice.refresh_from_db()
    assert note.number == "CN-0001"
    assert note.status == CreditNote.Status.ISSUED
    assert [line.description for line in note.lines.all()] == ["Labour", "Parts"]
    assert note.total == invoice.total == Decimal("146.66")
    assert note.amount_allocated == Decimal("146.66")
    assert invoice.balance == Decimal("0.00")
    assert invoice.status == Invoice.Status.CREDITED
    assert not invoice.is_editable and not invoice.can_credit


def test_a_partial_credit_note_lowers_the_amount_due_and_a_payment_then_settles_it(invoice):
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    invoice.refresh_from_db()
    assert note.total == Decimal("36.66")  # 33.33 + 10 % tax, rounded once
    assert invoice.balance == Decimal("110.00")
    assert invoice.status == Invoice.Status.SENT
    payment_record(invoice=invoice, amount="110.00")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (Invoice.Status.PAID, Decimal("0.00"))


def test_a_credit_note_on_a_paid_invoice_is_credit_to_refund(invoice):
    payment = payment_record(invoice=invoice, amount="146.66")
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    assert note.amount_allocated == Decimal("0.00")
    assert note.remaining_credit == Decimal("36.66")
    with pytest.raises(ValidationError) as excinfo:
        refund_record(credit_note=note, amount="40.00")
    assert "At most 36.66" in excinfo.value.message_dict["amount"][0]
    refund_record(credit_note=note, amount="36.66", method="card")
    note.refresh_from_db()
    invoice.refresh_from_db()
    assert note.remaining_credit == Decimal("0.00")
    assert (invoice.status, invoice.balance) == (Invoice.Status.PAID, Decimal("0.00"))
    assert invoice.amount_refunded == Decimal("36.66")
    assert payment.refundable == Decimal("146.66")


def test_a_refund_of_nan_is_refused_as_not_a_number_and_nothing_is_written(invoice):
    payment = payment_record(invoice=invoice, amount="100.00")
    with pytest.raises(ValidationError) as excinfo:
        refund_record(payment=payment, amount="NaN")
    assert excinfo.value.message_dict["amount"] == ["Enter the amount as a number, e.g. 120.00."]
    assert not payment.refunds.exists()


def test_a_refund_of_a_payment_is_limited_to_what_is_left_of_it(invoice):
    payment = payment_record(invoice=invoice, amount="100.00")
    refund_record(payment=payment, amount="60.00")
    with pytest.raises(ValidationError) as excinfo:
        refund_record(payment=payment, amount="40.01")
    assert "At most 40.00" in excinfo.value.message_dict["amount"][0]
    for bad in ("abc", "0", "-5"):
        with pytest.raises(ValidationError):
            refund_record(payment=payment, amount=bad)
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("100.00") and invoice.balance == Decimal("46.66")


def test_credit_notes_never_take_back_more_than_the_invoice_charged(invoice):
    credit_note_create(invoice=invoice, lines=[line("Labour", "1", "100.00")])
    with pytest.raises(ValidationError) as excinfo:
        credit_note_create(invoice=invoice, lines=[line("Labour", "1", "50.00")])
    assert "not credited yet" in excinfo.value.message_dict["lines"][0]
    with pytest.raises(ValidationError):
        credit_note_create(invoice=invoice)  # full: part is credited already
    assert CreditNote.objects.count() == 1


def test_voiding_a_credit_note_puts_its_amount_back_on_the_invoice(invoice):
    note = credit_note_create(invoice=invoice)
    credit_note_void(credit_note=note)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (Invoice.Status.SENT, invoice.total)


def test_a_draft_invoice_cannot_be_credited(org):
    draft = invoice_create(
        organisation=org,
        customer=CustomerFactory(organisation=org),
        issue_date=TODAY,
        lines=[line()],
    )
    with pytest.raises(ValidationError):
        credit_note_create(invoice=draft)


def test_credit_notes_and_refunds_are_queued_for_connected_ledgers(org, invoice):
    integration = Integration.objects.create(
        organisation=org,
        provider="quickbooks",
        remote_company_id="1",
        country="US",
        currency="USD",
        region="us",
    )
    note = credit_note_create(invoice=invoice, lines=[line("Parts", "1", "10.00")])
    refund = refund_record(credit_note=note, amount="1.00") if note.remaining_credit else None
    kinds = set(Change.objects.filter(integration=integration).values_list("kind", "object_id"))
    assert ("credit_note", note.pk) in kinds
    assert refund is None
    payment = invoice.payments.create(customer=invoice.customer, amount=Decimal("5.00"), date=TODAY)
    refund = refund_record(payment=payment, amount="5.00")
    assert Change.objects.filter(integration=integration, kind="refund", object_id=refund.pk)
    refund_void(refund=refund)


# --- the pages ------------------------------------------------------------------------------
def test_the_pages_show_issue_credit_note_and_refund_and_the_figures(alice, invoice):
    from django.urls import reverse

    from tests.staff import client_for

    staff = client_for(alice)
    payment = payment_record(invoice=invoice, amount="46.66")
    page = staff.get(invoice.get_absolute_url()).content.decode()
    assert reverse("invoices:credit_note_new", args=[invoice.pk]) in page
    assert reverse("invoices:payment_refund", args=[payment.pk]) in page
    assert staff.get(reverse("invoices:credit_note_new", args=[invoice.pk])).status_code == 200
    assert staff.get(reverse("invoices:payment_refund", args=[payment.pk])).status_code == 200
    note = credit_note_create(invoice=invoice, lines=[line("Parts", "1", "33.33")])
    page = staff.get(invoice.get_absolute_url()).content.decode()
    assert "Credited" in page and "63.34" in page  # 146.66 - 46.66 - 36.66
    assert staff.get(note.get_absolute_url()).status_code == 200


def test_bad_refund_input_is_refused_beside_the_field(alice, invoice):
    from django.urls import reverse

    from tests.staff import client_for

    staff = client_for(alice)
    payment = payment_record(invoice=invoice, amount="50.00")
    url = reverse("invoices:payment_refund", args=[payment.pk])
    for amount in ("abc", "-1", "50.01", ""):
        answer = staff.post(url, {"amount": amount, "date": "2026-11-21"})
        assert answer.status_code == 400, amount
    assert (
        "At most 50.00" in staff.post(url, {"amount": "60", "date": "2026-11-21"}).content.decode()
    )
    assert not payment.refunds.exists()


def test_someone_else_s_credit_notes_and_payments_are_not_found(charlie, invoice):
    from django.urls import reverse

    from tests.staff import client_for

    stranger = client_for(charlie)
    payment = payment_record(invoice=invoice, amount="10.00")
    note = credit_note_create(invoice=invoice, lines=[line("Parts", "1", "10.00")])
    for url in (
        reverse("invoices:credit_note_new", args=[invoice.pk]),
        reverse("invoices:payment_refund", args=[payment.pk]),
        note.get_absolute_url(),
    ):
        assert stranger.get(url).status_code == 404
    assert stranger.post(reverse("invoices:credit_note_void", args=[note.pk])).status_code == 404


def test_a_refunded_payment_cannot_be_voided_until_its_refunds_are(alice, invoice):
    """Voiding it would leave money paid back for a payment that, for the books, never came."""
    from django.urls import reverse

    from tests.staff import client_for

    staff = client_for(alice)
    payment = payment_record(invoice=invoice, amount="50.00")
    refund = refund_record(payment=payment, amount="20.00")
    staff.post(reverse("invoices:payment_void", args=[payment.pk]))
    payment.refresh_from_db()
    assert not payment.voided
    page = staff.get(invoice.get_absolute_url()).content.decode()
    assert "void its refunds first" in page
    refund_void(refund=refund)
    staff.post(reverse("invoices:payment_void", args=[payment.pk]))
    payment.refresh_from_db()
    assert payment.voided


def test_the_dashboard_owes_the_amount_due_after_a_credit_note(alice, invoice):
    """Outstanding and receivables by age take credit notes off, as the invoice page does."""
    from tests.staff import client_for

    credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("110.00")
    page = client_for(alice).get("/").content.decode()
    assert "110.00 <small>" in page  # the Outstanding figure; 146.66 before the fix


ROW_LOCKS = pytest.mark.skipif(connection.vendor == "sqlite", reason="row locks need PostgreSQL")


@ROW_LOCKS
@pytest.mark.django_db(transaction=True)
def test_two_credit_notes_at_once_never_credit_more_than_the_invoice(invoice):
    """Two staff issue a credit note of 100.00 on an invoice of 146.66 at the same moment: the
    invoice row is locked while each is checked, so one is issued and the other refused."""
    import threading

    from django.db import connection

    start, outcomes = threading.Barrier(2), []

    def issue():
        try:
            start.wait()
            credit_note_create(invoice=invoice, lines=[line("Refund", "1", "90.91")])
            outcomes.append("issued")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    run_at_once(issue, 2)
    invoice.refresh_from_db()
    assert sorted(outcomes) == ["issued", "refused"]
    assert invoice.amount_credited == Decimal("100.00")
    assert CreditNote.objects.filter(invoice=invoice, status="issued").count() == 1


@ROW_LOCKS
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("refund_action", ["record", "void"])
def test_a_refund_of_a_credit_note_and_its_void_at_once_do_not_deadlock(invoice, refund_action):
    """A refund of a credit note's credit (recorded, or one voided) and the credit note's void,
    started while the invoice is busy: each takes the invoice's lock before the credit note's,
    so one waits for the other and neither fails with a database deadlock (a server error)."""
    import threading
    import time

    from django.db import connection, transaction

    payment_record(invoice=invoice, amount="146.66")
    note = credit_note_create(invoice=invoice, lines=[line("Goodwill", "1", "30.00")])
    if refund_action == "record":
        refund_step = lambda: refund_record(credit_note=note, amount="10.00")  # noqa: E731
    else:
        earlier = refund_record(credit_note=note, amount="10.00")
        refund_step = lambda: refund_void(refund=earlier)  # noqa: E731
    outcomes = {}

    def busy():
        with transaction.atomic():
            Invoice.objects.select_for_update().get(pk=invoice.pk)
            time.sleep(1.0)
        connection.close()

    def run(name, action):
        try:
            action()
            outcomes[name] = "done"
        except ValidationError:
            outcomes[name] = "refused"
        except Exception as exc:  # noqa: BLE001 — what the test looks for
            outcomes[name] = type(exc).__name__
        finally:
            connection.close()

    threads = [
        threading.Thread(target=busy),
        threading.Thread(target=run, args=("void", lambda: credit_note_void(credit_note=note))),
        threading.Thread(target=run, args=("refund", refund_step)),
    ]
    for thread in threads:
        thread.start()
        time.sleep(0.3)
    for thread in threads:
        thread.join()
    assert set(outcomes.values()) <= {"done", "refused"}, outcomes
