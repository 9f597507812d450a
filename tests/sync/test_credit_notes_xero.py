"""Credit notes and refunds between the hub and Xero, through the engine and the Xero sandbox
over real HTTP (docs/credit-notes.md, "Xero"): a hub credit note lands allocated to its
invoice with the same amount due on both sides, refunds land as Xero pays money back, a credit
note made in Xero comes into the hub against the right invoice (and on to QuickBooks), and a
retry never makes a second credit note, allocation or refund."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.integrations import reference_cache
from apps.integrations.models import AccountMapping
from apps.integrations.registry import adapter_for, capabilities_of
from apps.integrations.xero.client import XeroClient
from apps.invoices.credits import (
    credit_note_create,
    credit_note_void,
    refund_record,
    refund_void,
)
from apps.invoices.models import CreditNote, Invoice, Payment
from apps.invoices.services import invoice_create, invoice_send
from apps.sandbox.models import SandboxRecord
from apps.sync.models import Change, Link
from apps.sync.outbox import idempotency_key
from apps.sync.pull import pull
from tests.factories import line
from tests.sync.conftest import Hub
from tests.sync.test_end_to_end import drain_until_done
from tests.sync.test_mapping import archive_in_xero

pytestmark = pytest.mark.django_db(transaction=True)

LINES = [line("Labour", "2", "50.00"), line("Parts", "1", "33.33")]


@pytest.fixture
def xero(sandboxes, live_org):
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    return sandbox_integration_connect(organisation=live_org, provider="xero", nightly=False)


def rows(integration, entity: str) -> list[dict]:
    return list(
        SandboxRecord.objects.filter(
            company__external_id=integration.remote_company_id, entity=entity, deleted=False
        ).values_list("data", flat=True)
    )


def xero_invoice(integration, invoice: Invoice) -> dict:
    (found,) = [d for d in rows(integration, "Invoices") if d["InvoiceNumber"] == invoice.number]
    return found


def xero_credit_notes(integration, number: str) -> list[dict]:
    return [d for d in rows(integration, "CreditNotes") if d["CreditNoteNumber"] == number]


def sent_invoice(org, integration) -> Invoice:
    invoice = Hub(org).invoice(lines=LINES)
    drain_until_done(integration)
    return invoice


def test_hub_credit_note_reaches_xero_allocated_with_the_same_amount_due(xero, live_org):
    invoice = sent_invoice(live_org, xero)
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    drain_until_done(xero)

    invoice.refresh_from_db()
    (remote,) = xero_credit_notes(xero, note.number)
    assert Decimal(str(remote["Total"])) == note.total
    assert remote["Type"] == "ACCRECCREDIT" and remote["Status"] == "PAID"
    assert [
        (a["Invoice"]["InvoiceNumber"], Decimal(str(a["Amount"]))) for a in remote["Allocations"]
    ] == [(invoice.number, note.amount_allocated)]
    in_xero = xero_invoice(xero, invoice)
    assert Decimal(str(in_xero["AmountDue"])) == invoice.balance
    assert Decimal(str(in_xero["AmountCredited"])) == invoice.amount_credited == note.total
    link = Link.objects.get(integration=xero, kind="credit_note", object_id=note.pk)
    assert link.remote_id == remote["CreditNoteID"]


def test_a_taxed_credit_note_with_discounted_lines_has_the_hub_total_in_xero_to_the_cent(
    xero, live_org
):
    hub = Hub(live_org)
    invoice = invoice_send(
        invoice=invoice_create(
            organisation=live_org,
            customer=hub.customer(),
            issue_date=timezone.localdate(),
            tax_rate=Decimal("8.25"),
            lines=[
                line("Gutter clean", "3", "33.33", discount_percent=Decimal("7.5")),
                line("Call-out", "1", "19.99", taxable=False),
                line("Parts", "2.5", "12.47", discount_percent=Decimal("2.25")),
            ],
        )
    )
    drain_until_done(xero)
    note = credit_note_create(
        invoice=invoice,
        lines=[
            line("Parts returned", "1.5", "12.47"),
            line("Call-out", "1", "19.99", taxable=False),
        ],
    )
    drain_until_done(xero)

    invoice.refresh_from_db()
    (remote,) = xero_credit_notes(xero, note.number)
    assert (Decimal(str(remote["SubTotal"])), Decimal(str(remote["TotalTax"]))) == (
        note.subtotal - note.discount_total,
        note.tax_total,
    )
    assert Decimal(str(remote["Total"])) == note.total
    in_xero = xero_invoice(xero, invoice)
    assert Decimal(str(in_xero["Total"])) == invoice.total
    assert Decimal(str(in_xero["AmountDue"])) == invoice.balance == invoice.total - note.total


def test_a_full_credit_note_settles_the_invoice_in_xero_too(xero, live_org):
    invoice = sent_invoice(live_org, xero)
    credit_note_create(invoice=invoice, reason="Job cancelled")
    drain_until_done(xero)
    invoice.refresh_from_db()
    in_xero = xero_invoice(xero, invoice)
    assert invoice.status == Invoice.Status.CREDITED and invoice.balance == 0
    assert (in_xero["Status"], in_xero["AmountDue"]) == ("PAID", 0.0)


def test_pushing_a_credit_note_again_makes_no_second_note_nor_allocation(xero, live_org):
    invoice = sent_invoice(live_org, xero)
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    drain_until_done(xero)
    links = {
        kind: Link.objects.get(integration=xero, kind=kind, object_id=pk).remote_id
        for kind, pk in (("invoice", invoice.pk), ("customer", invoice.customer_id))
    }
    adapter = adapter_for(xero)
    key = f"credit_note-{note.pk}-retry"
    first = adapter.push_credit_note(
        note, customer_remote_id=links["customer"], invoice_remote_id=links["invoice"], key=key
    )
    # The same attempt again, as after a lost answer: the same credit note, allocated once.
    again = adapter.push_credit_note(
        note, customer_remote_id=links["customer"], invoice_remote_id=links["invoice"], key=key
    )
    assert first.remote_id == again.remote_id
    made = [d for d in rows(xero, "CreditNotes") if d["CreditNoteID"] == first.remote_id]
    assert len(made[0]["Allocations"]) <= 1
    # The engine's own push and its retry above: no allocation beyond the invoice's total.
    in_xero = xero_invoice(xero, invoice)
    assert Decimal(str(in_xero["AmountDue"])) >= 0


def test_refund_of_a_credit_note_is_paid_back_from_the_bank_in_xero(xero, live_org):
    invoice = sent_invoice(live_org, xero)
    pay_in_xero(xero, invoice, invoice.total)
    pull(xero)  # the payment comes into the hub; the invoice is paid
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    assert note.amount_allocated == 0 and note.remaining_credit == note.total
    refund = refund_record(credit_note=note, amount=note.total, method="Card")
    drain_until_done(xero)

    (remote,) = xero_credit_notes(xero, note.number)
    assert (remote["RemainingCredit"], remote["Status"]) == (0.0, "PAID")
    (paid_back,) = [p for p in rows(xero, "Payments") if p.get("CreditNote")]
    assert Decimal(str(paid_back["Amount"])) == refund.amount
    assert paid_back["PaymentType"] == "ARCREDITPAYMENT"
    drain_until_done(xero)
    assert len([p for p in rows(xero, "Payments") if p.get("CreditNote")]) == 1


def test_refund_of_part_of_a_payment_reaches_xero_without_moving_the_invoice(xero, live_org):
    invoice = sent_invoice(live_org, xero)
    pay_in_xero(xero, invoice, invoice.total)
    pull(xero)
    payment = Payment.objects.get(invoice=invoice)
    refund = refund_record(payment=payment, amount="20.00", method="Card")
    drain_until_done(xero)

    (carrier,) = xero_credit_notes(xero, f"RF-{refund.pk}")
    assert (Decimal(str(carrier["Total"])), carrier["Status"]) == (refund.amount, "PAID")
    in_xero = xero_invoice(xero, invoice)
    assert (in_xero["Status"], in_xero["AmountPaid"]) == ("PAID", float(invoice.total))
    # The same attempt again (its answer lost): the same refund, nothing made twice.
    link = Link.objects.get(integration=xero, kind="refund", object_id=refund.pk)
    customer = Link.objects.get(integration=xero, kind="customer", object_id=invoice.customer_id)
    paid = Link.objects.get(integration=xero, kind="payment", object_id=payment.pk)
    change = Change.objects.get(integration=xero, kind="refund", object_id=refund.pk)
    again = adapter_for(xero).push_refund(
        refund,
        customer_remote_id=customer.remote_id,
        payment_remote_id=paid.remote_id,
        credit_note_remote_id=None,
        invoice_remote_id=None,
        key=idempotency_key(change),
    )
    assert again.remote_id == link.remote_id
    assert len(xero_credit_notes(xero, f"RF-{refund.pk}")) == 1
    assert len([p for p in rows(xero, "Payments") if p.get("CreditNote")]) == 1

    refund_void(refund=refund)
    drain_until_done(xero)
    (carrier,) = xero_credit_notes(xero, f"RF-{refund.pk}")
    assert carrier["Status"] == "VOIDED"
    refunds = [p for p in rows(xero, "Payments") if p.get("CreditNote")]
    assert [p["Status"] for p in refunds] == ["DELETED"]


def unallocated_credit_note(integration, org) -> CreditNote:
    """A hub credit note of a paid invoice: in Xero it stays unallocated, so refunding it
    there moves the credit note only, never the invoice."""
    invoice = sent_invoice(org, integration)
    pay_in_xero(integration, invoice, invoice.total)
    pull(integration)
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    drain_until_done(integration)
    pull(integration)
    return note


def archive_the_bank_account(integration) -> None:
    """Account 090 archived in Xero, as staff would there, after it was mapped for payments."""
    AccountMapping.objects.update_or_create(
        integration=integration, defaults={"payments_account_id": "090"}
    )
    archive_in_xero(integration, "090", "Business Bank Account")
    reference_cache.forget_all(integration)


@pytest.mark.parametrize("of", ["credit_note", "payment"])
def test_a_refund_whose_mapped_payments_account_is_archived_is_held_back_not_paid_out(
    xero, live_org, of
):
    note = unallocated_credit_note(xero, live_org)
    archive_the_bank_account(xero)
    if of == "credit_note":
        refund = refund_record(credit_note=note, amount=note.total)
    else:
        refund = refund_record(payment=Payment.objects.get(invoice=note.invoice), amount="20.00")
    drain_until_done(xero)

    change = Change.objects.get(integration=xero, kind="refund", object_id=refund.pk)
    assert change.state == Change.State.HELD_BACK
    assert "is archived in Xero" in change.last_error
    assert not Link.objects.filter(integration=xero, kind="refund", object_id=refund.pk)
    assert not [p for p in rows(xero, "Payments") if p.get("CreditNote")]


def pay_in_xero(integration, invoice: Invoice, amount: Decimal) -> dict:
    remote = Link.objects.get(integration=integration, kind="invoice", object_id=invoice.pk)
    return XeroClient(integration).create(
        "Payments",
        {
            "Invoice": {"InvoiceID": remote.remote_id},
            "Account": {"Code": "090"},
            "Date": timezone.localdate().isoformat(),
            "Amount": amount,
        },
        key=f"pay-{invoice.number}",
    )


def credit_in_xero(integration, invoice: Invoice, amount: str) -> dict:
    """A Xero user credits part of the invoice and allocates the credit to it."""
    client = XeroClient(integration)
    remote = Link.objects.get(integration=integration, kind="invoice", object_id=invoice.pk)
    contact = Link.objects.get(
        integration=integration, kind="customer", object_id=invoice.customer_id
    )
    rate = adapter_for(integration)._tax_types(Decimal(invoice.tax_rate))
    note = client.create(
        "CreditNotes",
        {
            "Type": "ACCRECCREDIT",
            "Status": "AUTHORISED",
            "Contact": {"ContactID": contact.remote_id},
            "Date": timezone.localdate().isoformat(),
            "CreditNoteNumber": "XCN-1",
            "Reference": "Damaged part",
            "LineAmountTypes": "Exclusive",
            "LineItems": [
                {
                    "Description": "Damaged part",
                    "Quantity": 1,
                    "UnitAmount": amount,
                    "AccountCode": "200",
                    "TaxType": rate.taxable,
                }
            ],
        },
        key="xero-user-credit",
    )
    allocation = {
        "Invoice": {"InvoiceID": remote.remote_id},
        "Amount": note["Total"],
        "Date": timezone.localdate().isoformat(),
    }
    client.request(
        "PUT",
        f"CreditNotes/{note['CreditNoteID']}/Allocations",
        body={"Allocations": [allocation]},
        key="xero-user-allocation",
    )
    return note


def test_credit_note_made_in_xero_comes_into_the_hub_against_its_invoice(xero, live_org):
    invoice = sent_invoice(live_org, xero)
    made = credit_in_xero(xero, invoice, "20.00")
    pull(xero)

    note = CreditNote.objects.get(invoice=invoice)
    invoice.refresh_from_db()
    assert note.total == Decimal(str(made["Total"]))
    assert note.amount_allocated == note.total
    assert invoice.balance == Decimal(str(xero_invoice(xero, invoice)["AmountDue"]))
    # Pulled again, and drained: nothing more, nothing sent back.
    pull(xero)
    drain_until_done(xero)
    assert CreditNote.objects.filter(invoice=invoice).count() == 1
    assert len(rows(xero, "CreditNotes")) == 1


def test_a_credit_note_voided_in_the_hub_is_voided_in_xero_and_the_amount_is_due_again(
    xero, live_org
):
    invoice = sent_invoice(live_org, xero)
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    drain_until_done(xero)
    credit_note_void(credit_note=note)
    drain_until_done(xero)

    invoice.refresh_from_db()
    (remote,) = xero_credit_notes(xero, note.number)
    assert remote["Status"] == "VOIDED"
    in_xero = xero_invoice(xero, invoice)
    assert Decimal(str(in_xero["AmountDue"])) == invoice.balance == invoice.total


def test_cash_refund_made_in_xero_comes_into_the_hub_against_its_credit_note(
    xero, live_org, monkeypatch
):
    note = unallocated_credit_note(xero, live_org)
    remote = Link.objects.get(integration=xero, kind="credit_note", object_id=note.pk)
    XeroClient(xero).create(
        "Payments",
        {
            "CreditNote": {"CreditNoteID": remote.remote_id},
            "Account": {"Code": "090"},
            "Date": timezone.localdate().isoformat(),
            "Amount": note.total,
            "Reference": "Bank transfer",
        },
        key="xero-user-refund",
    )
    # No webhooks here, and the refund moves no invoice: it comes with the read of credit notes
    # due an hour after the last one (docs/pulls.md, "Credit notes"), which this pull stands for.
    monkeypatch.setattr("apps.integrations.xero.limits.CREDIT_NOTES_READ_AT_LEAST_EVERY_SECONDS", 0)
    pull(xero)

    (refund,) = note.refunds.all()
    assert refund.amount == note.total and refund.origin == "integration"
    note.refresh_from_db()
    assert note.remaining_credit == 0
    pull(xero)
    drain_until_done(xero)
    assert note.refunds.count() == 1
    assert len([p for p in rows(xero, "Payments") if p.get("CreditNote")]) == 1


def test_credit_note_made_in_xero_reaches_quickbooks_through_the_hub(both, live_org):
    qbo, xero = both
    if not capabilities_of(qbo).credit_notes:
        pytest.skip("The QuickBooks adapter does not take credit notes yet.")
    invoice = Hub(live_org).invoice(lines=LINES)
    drain_until_done(qbo)
    drain_until_done(xero)
    credit_in_xero(xero, invoice, "20.00")
    pull(xero)
    note = CreditNote.objects.get(invoice=invoice)
    drain_until_done(qbo)

    memos = [d for d in rows(qbo, "CreditMemo") if d.get("DocNumber") == note.number]
    assert [Decimal(str(m["TotalAmt"])) for m in memos] == [note.total]
    invoice.refresh_from_db()
    (in_qbo,) = [d for d in rows(qbo, "Invoice") if d.get("DocNumber") == invoice.number]
    assert Decimal(str(in_qbo["Balance"])) == invoice.balance


def test_webhooks_for_a_credit_note_the_hub_just_sent_read_no_more_than_two_records(
    both, live_hub, monkeypatch
):
    """Xero notifies the credit note (CREDITNOTE, made then allocated) and its invoice: the
    hub reads at most the credit notes and the invoices it names, once each, not a pull."""
    from tests.sync.test_echoes import Notifications, requests_of

    xero = both[1]
    made = Notifications()
    monkeypatch.setattr("apps.sandbox.webhooks.notify", made.notify)
    monkeypatch.setattr("apps.sync.receivers.webhook_pulls", lambda *args, **kwargs: None)
    invoice = sent_invoice(live_hub.org, xero)
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    drain_until_done(xero)
    categories = {payload["events"][0]["eventCategory"] for _, payload in made.made}
    assert "CREDITNOTE" in categories
    before = requests_of(xero).count()
    waiting = Change.objects.exclude(state="done").count()

    made.deliver()
    result = pull(xero, trigger="webhook")

    assert result.error == ""
    assert requests_of(xero).count() - before <= 2
    assert CreditNote.objects.filter(invoice=invoice).count() == 1
    assert CreditNote.objects.get(pk=note.pk).amount_allocated == note.amount_allocated
    assert Change.objects.exclude(state="done").count() == waiting


def test_a_refund_made_in_xero_arrives_through_its_credit_notes_webhook(
    both, live_hub, monkeypatch
):
    from tests.sync.test_echoes import Notifications

    xero = both[1]
    made = Notifications()
    monkeypatch.setattr("apps.sandbox.webhooks.notify", made.notify)
    monkeypatch.setattr("apps.sync.receivers.webhook_pulls", lambda *args, **kwargs: None)
    invoice = sent_invoice(live_hub.org, xero)
    pay_in_xero(xero, invoice, invoice.total)
    pull(xero)
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    drain_until_done(xero)
    made.deliver()
    pull(xero, trigger="webhook")
    remote = Link.objects.get(integration=xero, kind="credit_note", object_id=note.pk)
    XeroClient(xero).create(
        "Payments",
        {
            "CreditNote": {"CreditNoteID": remote.remote_id},
            "Account": {"Code": "090"},
            "Amount": "10.00",
        },
        key="xero-user-partial-refund",
    )

    made.deliver()  # the credit note's UPDATE: its RemainingCredit fell
    pull(xero, trigger="webhook")

    assert [r.amount for r in note.refunds.all()] == [Decimal("10.00")]
