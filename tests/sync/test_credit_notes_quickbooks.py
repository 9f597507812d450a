"""Credit notes and refunds between the hub's pages and the QuickBooks sandbox, over real HTTP
(docs/credit-notes.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.invoices.models import CreditNote, Invoice, Refund
from apps.invoices.services import payment_collect_online
from apps.sandbox.control import fault_inject, requests_wait
from apps.sandbox.models import SandboxRecord
from apps.sync.log_names import record_name
from apps.sync.models import Link, SyncLogEntry
from apps.sync.pull import pull
from tests.factories import UserFactory, line
from tests.sync.test_end_to_end import drain_until_done

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def qbo(sandboxes, live_org):
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    return sandbox_integration_connect(organisation=live_org, provider="quickbooks", nightly=False)


@pytest.fixture
def staff(live_org) -> Client:
    client = Client()
    client.force_login(UserFactory(username="dana", organisation=live_org))
    return client


@pytest.fixture
def raw_qbo(qbo, sandboxes):
    """Someone working in QuickBooks itself: plain HTTP to the company, with its own token."""
    from apps.sandbox import oauth
    from apps.sandbox.control import company_by_external_id
    from tests.sandbox.conftest import RawQbo, default_app

    company = company_by_external_id(qbo.remote_company_id)
    token = oauth.token_issue(
        app=default_app("quickbooks"), company=company, scope="com.intuit.quickbooks.accounting"
    )
    client = RawQbo(f"{sandboxes.url}/sandbox/quickbooks/v3", token)
    yield client
    client.session.close()


def records(integration, entity: str):
    return SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id, entity=entity, deleted=False
    )


def remote_of(integration, kind: str, object_id: int) -> dict:
    link = Link.objects.get(integration=integration, kind=kind, object_id=object_id)
    entity = {"invoice": "Invoice", "credit_note": "CreditMemo", "refund": "RefundReceipt"}[kind]
    return records(integration, entity).get(record_id=link.remote_id).data


def sent_invoice(live_hub, qbo) -> Invoice:
    invoice = live_hub.invoice(lines=[line("Labour", "2", "50.00"), line("Parts", "1", "33.33")])
    drain_until_done(qbo)
    return invoice


def issue(staff: Client, invoice: Invoice, **fields):
    data = {
        "scope": "part",
        "issue_date": timezone.localdate().isoformat(),
        "reason": "Parts returned",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        **fields,
    }
    return staff.post(reverse("invoices:credit_note_new", args=[invoice.pk]), data)


def test_a_credit_note_issued_on_the_invoice_page_reaches_quickbooks_applied_to_it(
    qbo, live_hub, staff
):
    invoice = sent_invoice(live_hub, qbo)
    answer = issue(
        staff,
        invoice,
        **{"lines-0-description": "Parts", "lines-0-quantity": "1", "lines-0-unit_price": "33.33"},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    drain_until_done(qbo)
    note = CreditNote.objects.get(invoice=invoice)
    invoice.refresh_from_db()
    memo = remote_of(qbo, "credit_note", note.pk)
    remote_invoice = remote_of(qbo, "invoice", invoice.pk)
    assert Decimal(str(memo["TotalAmt"])) == note.total == Decimal("33.33")
    assert memo["RemainingCredit"] == 0.0
    assert Decimal(str(remote_invoice["Balance"])) == invoice.balance == Decimal("100.00")
    page = staff.get(invoice.get_absolute_url()).content.decode()
    assert note.number in page and "Credited" in page
    logged = SyncLogEntry.objects.get(kind="credit_note", object_id=note.pk, outcome="pushed")
    name = record_name(kind="credit_note", object_id=note.pk, organisation=invoice.organisation)
    assert name.label == f"Credit note {note.number} on {invoice.number} · Nick Brown"
    assert logged.message == f"Created and applied to {invoice.number}."
    log_page = staff.get(reverse("sync:log"), {"kind": "credit_note"}).content.decode()
    assert name.label.replace("·", "&middot;") in log_page or name.label in log_page
    # Pulled back, neither the memo nor the payment applying it is news to the hub.
    pull(qbo)
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("100.00") and invoice.amount_paid == 0
    assert CreditNote.objects.count() == 1


def test_a_whole_invoice_credited_shows_credited_and_owes_nothing_in_both(qbo, live_hub, staff):
    invoice = sent_invoice(live_hub, qbo)
    assert issue(staff, invoice, scope="whole").status_code == 302
    drain_until_done(qbo)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED and invoice.balance == 0
    assert remote_of(qbo, "invoice", invoice.pk)["Balance"] == 0.0
    note = invoice.credit_notes.get()
    assert Decimal(str(remote_of(qbo, "credit_note", note.pk)["TotalAmt"])) == invoice.total


def test_a_credit_note_sent_again_after_a_lost_answer_lands_once(
    qbo, live_hub, staff, settings, monkeypatch
):
    invoice = sent_invoice(live_hub, qbo)
    settings.SANDBOX_FAULT_TIMEOUT_SECONDS = 2
    monkeypatch.setattr("apps.integrations.quickbooks.limits.REQUEST_TIMEOUT_SECONDS", 0.5)
    fault_inject(company=qbo.remote_company_id, kind="timeout", count=1, path_contains="payment")
    fault_inject(company=qbo.remote_company_id, kind="timeout", count=1, path_contains="creditmemo")
    issue(staff, invoice, scope="whole")
    drain_until_done(qbo)
    assert requests_wait(qbo.remote_company_id, status=504)
    assert records(qbo, "CreditMemo").count() == 1
    applying = [p for p in records(qbo, "Payment") if not p.data.get("TotalAmt")]
    assert len(applying) == 1
    assert remote_of(qbo, "invoice", invoice.pk)["Balance"] == 0.0


def test_a_refund_of_a_card_payment_reaches_quickbooks_as_a_refund_receipt(qbo, live_hub, staff):
    invoice = sent_invoice(live_hub, qbo)
    payment = payment_collect_online(invoice=invoice, amount=invoice.total)
    drain_until_done(qbo)
    page = reverse("invoices:payment_refund", args=[payment.pk])
    today = timezone.localdate().isoformat()
    too_much = staff.post(page, {"amount": "500", "date": today, "method": "card"})
    assert too_much.status_code == 400
    assert f"At most {invoice.total}" in too_much.content.decode()
    answer = staff.post(page, {"amount": "40.00", "date": today, "method": "card"})
    assert answer.status_code == 302
    drain_until_done(qbo)
    refund = Refund.objects.get()
    receipt = remote_of(qbo, "refund", refund.pk)
    assert receipt["TotalAmt"] == 40.0
    assert receipt["DepositToAccountRef"]["value"]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.amount_refunded == Decimal("40.00")
    assert remote_of(qbo, "invoice", invoice.pk)["Balance"] == 0.0


def test_a_credit_memo_applied_in_quickbooks_comes_back_against_its_invoice(qbo, live_hub, raw_qbo):
    invoice = sent_invoice(live_hub, qbo)
    remote_invoice = remote_of(qbo, "invoice", invoice.pk)
    invoice_id = Link.objects.get(integration=qbo, kind="invoice", object_id=invoice.pk).remote_id
    customer_id = remote_invoice["CustomerRef"]["value"]
    memo = raw_qbo.post(
        "creditmemo",
        {
            "CustomerRef": {"value": customer_id},
            "DocNumber": "CM-77",
            "Line": [
                {
                    "Amount": 25.0,
                    "Description": "Goodwill",
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": 25},
                }
            ],
        },
    ).json()["CreditMemo"]
    applied = raw_qbo.post(
        "payment",
        {
            "CustomerRef": {"value": customer_id},
            "TotalAmt": 0,
            "Line": [
                {"Amount": 25, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]},
                {"Amount": 25, "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]},
            ],
        },
    )
    assert applied.status_code == 200, applied.text
    pull(qbo)
    note = CreditNote.objects.get(invoice=invoice)
    invoice.refresh_from_db()
    assert (note.number, note.total, note.amount_allocated) == (
        "CM-77",
        Decimal("25.00"),
        Decimal("25.00"),
    )
    assert (
        invoice.balance
        == Decimal("108.33")
        == Decimal(str(records(qbo, "Invoice").get(record_id=invoice_id).data["Balance"]))
    )
    assert invoice.amount_paid == 0  # the payment applying the credit moved no money
    assert invoice.status == Invoice.Status.SENT
    assert not SyncLogEntry.objects.filter(outcome="failed").exists()
    pull(qbo)  # again: nothing new
    assert CreditNote.objects.count() == 1


def test_bad_credit_note_input_is_refused_on_the_page_and_nothing_is_written(qbo, live_hub, staff):
    invoice = sent_invoice(live_hub, qbo)
    empty = issue(staff, invoice)
    assert empty.status_code == 400 and "at least one line" in empty.content.decode()
    too_much = issue(
        staff,
        invoice,
        **{"lines-0-description": "All", "lines-0-quantity": "1", "lines-0-unit_price": "999"},
    )
    assert too_much.status_code == 400 and "not credited yet" in too_much.content.decode()
    half = issue(staff, invoice, **{"lines-0-description": "Labour", "lines-0-quantity": "x"})
    assert half.status_code == 400
    assert CreditNote.objects.count() == 0


def test_an_australian_credit_note_carries_gst_like_its_invoice_to_the_cent(sandboxes):
    from apps.customers.services import customer_create
    from apps.invoices.services import invoice_create, invoice_send
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect
    from tests.factories import OrganisationFactory

    org = OrganisationFactory(name="Coastline Plumbing", country="AU", currency="AUD")
    qbo = sandbox_integration_connect(organisation=org, provider="quickbooks", nightly=False)
    customer = customer_create(organisation=org, given_name="Bondi", family_name="Cafe")
    invoice = invoice_create(
        organisation=org,
        customer=customer,
        issue_date=timezone.localdate(),
        currency="AUD",
        tax_rate=Decimal("10"),
        lines=[
            line("Grease trap pump-out", "1", "385.00"),
            line("Council trade waste fee", "1", "62.40", taxable=False),
        ],
    )
    invoice = invoice_send(invoice=invoice)
    drain_until_done(qbo)
    staff = Client()
    staff.force_login(UserFactory(username="mia", organisation=org))
    answer = issue(
        staff,
        invoice,
        **{
            "lines-0-description": "Pump-out, half",
            "lines-0-quantity": "0.5",
            "lines-0-unit_price": "385.00",
            "lines-0-taxable": "on",
            "lines-1-description": "Council fee",
            "lines-1-quantity": "1",
            "lines-1-unit_price": "62.40",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    drain_until_done(qbo)
    note = CreditNote.objects.get(invoice=invoice)
    memo = remote_of(qbo, "credit_note", note.pk)
    assert note.tax_total == Decimal("19.25") and note.total == Decimal("274.15")
    assert Decimal(str(memo["TotalAmt"])) == note.total
    assert Decimal(str(memo["TxnTaxDetail"]["TotalTax"])) == note.tax_total
    invoice.refresh_from_db()
    assert Decimal(str(remote_of(qbo, "invoice", invoice.pk)["Balance"])) == invoice.balance


def test_voiding_a_credit_note_and_a_refund_in_the_hub_undoes_them_in_quickbooks(
    qbo, live_hub, staff
):
    invoice = sent_invoice(live_hub, qbo)
    payment = payment_collect_online(invoice=invoice, amount="50.00")
    issue(staff, invoice, scope="whole")
    today = timezone.localdate().isoformat()
    staff.post(
        reverse("invoices:payment_refund", args=[payment.pk]), {"amount": "50", "date": today}
    )
    drain_until_done(qbo)
    note, refund = CreditNote.objects.get(), Refund.objects.get()
    invoice.refresh_from_db()
    assert invoice.balance == 0 and remote_of(qbo, "invoice", invoice.pk)["Balance"] == 0.0
    assert staff.post(reverse("invoices:credit_note_void", args=[note.pk])).status_code == 302
    assert staff.post(reverse("invoices:refund_void", args=[refund.pk])).status_code == 302
    drain_until_done(qbo)
    invoice.refresh_from_db()
    assert invoice.balance == invoice.total - Decimal("50.00")
    assert Decimal(str(remote_of(qbo, "invoice", invoice.pk)["Balance"])) == invoice.balance
    assert not records(qbo, "CreditMemo").exists()
    assert remote_of(qbo, "refund", refund.pk)["TotalAmt"] == 0.0  # voided
    pull(qbo)
    assert not SyncLogEntry.objects.filter(outcome="failed").exists()


def refund_in_quickbooks(qbo, raw_qbo, invoice: Invoice, amount: int) -> None:
    """Someone pays money back in QuickBooks itself: a RefundReceipt for the invoice's customer,
    tied to nothing (QuickBooks has no link from a refund to a payment)."""
    customer_id = remote_of(qbo, "invoice", invoice.pk)["CustomerRef"]["value"]
    bank = next(a for a in records(qbo, "Account") if a.data.get("AccountType") == "Bank")
    item = {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": amount}
    made = raw_qbo.post(
        "refundreceipt",
        {
            "CustomerRef": {"value": customer_id},
            "DepositToAccountRef": {"value": bank.record_id},
            "Line": [
                {
                    "Amount": float(amount),
                    "Description": "Part returned",
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": item,
                }
            ],
        },
    )
    assert made.status_code == 200, made.text


def test_a_refund_receipt_made_in_quickbooks_comes_in_against_the_payment_and_reaches_xero(
    qbo, live_hub, raw_qbo, live_org
):
    """QuickBooks ties a RefundReceipt to nothing: it comes in against the customer's only
    payment that can take it, and goes on to the other ledgers from there."""
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    xero = sandbox_integration_connect(organisation=live_org, provider="xero", nightly=False)
    invoice = sent_invoice(live_hub, qbo)
    payment = payment_collect_online(invoice=invoice, amount=invoice.total)
    drain_until_done(qbo)
    drain_until_done(xero)
    refund_in_quickbooks(qbo, raw_qbo, invoice, 40)

    pull(qbo)
    refund = Refund.objects.get()
    assert (refund.payment, refund.amount) == (payment, Decimal("40.00"))
    logged = SyncLogEntry.objects.get(integration=qbo, kind="refund", object_id=refund.pk)
    assert "only payment it fits" in logged.message
    drain_until_done(xero)
    carriers = [
        row.data
        for row in SandboxRecord.objects.filter(
            company__external_id=xero.remote_company_id, entity="CreditNotes", deleted=False
        )
        if row.data.get("CreditNoteNumber") == f"RF-{refund.pk}"
    ]
    assert [Decimal(str(c["Total"])) for c in carriers] == [Decimal("40.00")]


def test_a_refund_receipt_that_could_pay_back_two_payments_stays_out_with_the_reason(
    qbo, live_hub, raw_qbo
):
    first = sent_invoice(live_hub, qbo)
    second = live_hub.invoice(customer=first.customer, lines=[line("Labour", "1", "90.00")])
    drain_until_done(qbo)
    for invoice in (first, second):
        payment_collect_online(invoice=invoice, amount=invoice.total)
    drain_until_done(qbo)
    refund_in_quickbooks(qbo, raw_qbo, first, 30)
    pull(qbo)
    assert not Refund.objects.exists()
    assert SyncLogEntry.objects.filter(
        integration=qbo, message__contains="2 of the customer's payments could take"
    ).exists()
