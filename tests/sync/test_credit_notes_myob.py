"""Credit notes and refunds between the hub and MYOB Business, through the engine and the MYOB
sandbox over real HTTP (docs/credit-notes.md, "MYOB"): a hub credit note lands as a negative
sale applied to its invoice with the same balance due on both sides, refunds land as credit
refunds, a credit made in MYOB comes into the hub against the right invoice (and on to
QuickBooks and Xero), and a retry after a lost answer makes nothing twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.integrations.myob.client import MyobClient
from apps.integrations.registry import adapter_for
from apps.invoices.credits import credit_note_create, credit_note_void, refund_record, refund_void
from apps.invoices.models import CreditNote, Invoice, Payment
from apps.sandbox.models import SandboxRecord
from apps.sync.models import Change, Link, SyncLogEntry
from apps.sync.outbox import idempotency_key
from apps.sync.pull import pull
from tests.factories import OrganisationFactory, line
from tests.sync.conftest import Hub
from tests.sync.test_end_to_end import drain_until_done

pytestmark = pytest.mark.django_db(transaction=True)

LINES = [line("Labour", "2", "50.00"), line("Parts", "1", "33.33")]
SALES = "myob:Sale/Invoice"
SETTLEMENTS, REFUNDS = "myob:Sale/CreditSettlement", "myob:Sale/CreditRefund"


@pytest.fixture
def myob(sandboxes):
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    org = OrganisationFactory(name="Coastline Trades", country="AU", currency="AUD")
    return org, sandbox_integration_connect(organisation=org, provider="myob", nightly=False)


def rows(integration, entity: str) -> list[dict]:
    return list(
        SandboxRecord.objects.filter(
            company__external_id=integration.remote_company_id, entity=entity, deleted=False
        ).values_list("data", flat=True)
    )


def sale(integration, number: str) -> dict:
    (found,) = [d for d in rows(integration, SALES) if d["Number"] == number]
    return found


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def sent_invoice(org, integration) -> Invoice:
    invoice = Hub(org).invoice(lines=LINES)
    drain_until_done(integration)
    return invoice


def linked(integration, kind: str, pk: int) -> str:
    return Link.objects.get(integration=integration, kind=kind, object_id=pk).remote_id


def pay_in_myob(integration, invoice: Invoice) -> dict:
    """A MYOB user records the customer's payment of the whole invoice."""
    return MyobClient(integration).create(
        "Sale/CustomerPayment",
        {
            "DepositTo": "Account",
            "Account": {"UID": adapter_for(integration).account_uid("Bank")},
            "Customer": {"UID": linked(integration, "customer", invoice.customer_id)},
            "Date": f"{timezone.localdate().isoformat()}T00:00:00",
            "AmountReceived": invoice.total,
            "Invoices": [
                {
                    "UID": linked(integration, "invoice", invoice.pk),
                    "AmountApplied": invoice.total,
                    "Type": "Invoice",
                }
            ],
        },
    )


def test_hub_credit_note_reaches_myob_applied_with_the_same_balance_due(myob):
    org, integration = myob
    invoice = sent_invoice(org, integration)
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    drain_until_done(integration)

    invoice.refresh_from_db()
    credit = sale(integration, note.number)
    assert money(credit["TotalAmount"]) == -note.total
    assert credit["Status"] == "Credit" or money(credit["BalanceDueAmount"]) == 0
    (settled,) = rows(integration, SETTLEMENTS)
    assert settled["CreditFromInvoice"]["UID"] == credit["UID"]
    assert [(s["Sale"]["Number"], money(s["AmountApplied"])) for s in settled["Lines"]] == [
        (invoice.number, note.amount_allocated)
    ]
    assert money(sale(integration, invoice.number)["BalanceDueAmount"]) == invoice.balance


def test_a_taxed_credit_note_of_awkward_amounts_has_the_hub_total_in_myob_to_the_cent(myob):
    org, integration = myob
    invoice = Hub(org).invoice(
        lines=[line("Labour", "3", "33.33"), line("Parts", "7", "1.11"), line("Fee", "1", "0.05")]
    )
    drain_until_done(integration)
    note = credit_note_create(
        invoice=invoice,
        lines=[line("Labour", "1", "33.33"), line("Parts", "3", "1.11"), line("Fee", "1", "0.05")],
    )
    drain_until_done(integration)
    invoice.refresh_from_db()
    assert money(sale(integration, note.number)["TotalAmount"]) == -note.total
    assert money(sale(integration, invoice.number)["BalanceDueAmount"]) == invoice.balance


def test_a_full_credit_note_closes_the_invoice_in_myob_too(myob):
    org, integration = myob
    invoice = sent_invoice(org, integration)
    credit_note_create(invoice=invoice, reason="Job cancelled")
    drain_until_done(integration)
    invoice.refresh_from_db()
    in_myob = sale(integration, invoice.number)
    assert invoice.status == Invoice.Status.CREDITED and invoice.balance == 0
    assert (in_myob["Status"], in_myob["BalanceDueAmount"]) == ("Closed", 0.0)
    # Read back from MYOB: still credited in the hub, nothing made or sent twice.
    pull(integration)
    drain_until_done(integration)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED and invoice.balance == 0
    assert CreditNote.objects.filter(invoice=invoice).count() == 1
    assert len(rows(integration, SETTLEMENTS)) == 1


def test_pushing_a_credit_note_again_after_a_lost_answer_makes_no_second_credit_nor_settlement(
    myob,
):
    org, integration = myob
    invoice = sent_invoice(org, integration)
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    drain_until_done(integration)
    first = linked(integration, "credit_note", note.pk)
    change = Change.objects.filter(integration=integration, kind="credit_note").latest("pk")
    again = adapter_for(integration).push_credit_note(
        note,
        customer_remote_id=linked(integration, "customer", invoice.customer_id),
        invoice_remote_id=linked(integration, "invoice", invoice.pk),
        key=idempotency_key(change),
    )
    assert again.remote_id == first
    assert len([d for d in rows(integration, SALES) if d["Number"] == note.number]) == 1
    assert len(rows(integration, SETTLEMENTS)) == 1
    invoice.refresh_from_db()
    assert money(sale(integration, invoice.number)["BalanceDueAmount"]) == invoice.balance


def test_refund_of_a_credit_note_is_paid_back_from_the_bank_in_myob(myob):
    org, integration = myob
    invoice = sent_invoice(org, integration)
    pay_in_myob(integration, invoice)
    pull(integration)  # the payment comes into the hub; the invoice is paid
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    assert note.amount_allocated == 0 and note.remaining_credit == note.total
    refund = refund_record(credit_note=note, amount=note.total, method="Card")
    drain_until_done(integration)

    credit = sale(integration, note.number)
    assert (credit["BalanceDueAmount"], credit["Status"]) == (0.0, "Closed")
    (paid_back,) = rows(integration, REFUNDS)
    assert money(paid_back["Amount"]) == refund.amount
    assert paid_back["Invoice"]["UID"] == credit["UID"]
    assert paid_back["Account"]["DisplayID"] == "1-1110"
    drain_until_done(integration)
    assert len(rows(integration, REFUNDS)) == 1


def test_refund_of_part_of_a_payment_reaches_myob_without_moving_the_invoice(myob):
    org, integration = myob
    invoice = sent_invoice(org, integration)
    pay_in_myob(integration, invoice)
    pull(integration)
    payment = Payment.objects.get(invoice=invoice)
    refund = refund_record(payment=payment, amount="20.00", method="Card")
    drain_until_done(integration)

    carrier = sale(integration, f"RF-{refund.pk}")
    assert money(carrier["TotalAmount"]) == -refund.amount and carrier["Status"] == "Closed"
    in_myob = sale(integration, invoice.number)
    assert (in_myob["Status"], in_myob["BalanceDueAmount"]) == ("Closed", 0.0)
    (paid_back,) = rows(integration, REFUNDS)
    assert linked(integration, "payment", payment.pk) in paid_back["Memo"]
    # The same attempt again (its answer lost): the same refund, nothing made twice.
    change = Change.objects.get(integration=integration, kind="refund", object_id=refund.pk)
    again = adapter_for(integration).push_refund(
        refund,
        customer_remote_id=linked(integration, "customer", invoice.customer_id),
        payment_remote_id=linked(integration, "payment", payment.pk),
        credit_note_remote_id=None,
        invoice_remote_id=None,
        key=idempotency_key(change),
    )
    assert again.remote_id == linked(integration, "refund", refund.pk)
    assert len(rows(integration, REFUNDS)) == 1
    assert len([d for d in rows(integration, SALES) if d["Number"].startswith("RF-")]) == 1

    refund_void(refund=refund)
    drain_until_done(integration)
    assert rows(integration, REFUNDS) == []
    assert [d for d in rows(integration, SALES) if d["Number"].startswith("RF-")] == []


def credit_in_myob(integration, invoice: Invoice, amount: str, number="MCN-1") -> dict:
    """A MYOB user enters a credit (a negative sale) and applies it to the invoice."""
    client = MyobClient(integration)
    adapter = adapter_for(integration)
    codes = adapter.tax_codes_for(Decimal(invoice.tax_rate))
    customer = linked(integration, "customer", invoice.customer_id)
    credit = client.create(
        "Sale/Invoice/Service",
        {
            "Number": number,
            "Date": f"{timezone.localdate().isoformat()}T00:00:00",
            "Customer": {"UID": customer},
            "IsTaxInclusive": False,
            "Comment": "Damaged part",
            "Lines": [
                {
                    "Type": "Transaction",
                    "Description": "Damaged part",
                    "Total": f"-{amount}",
                    "Account": {"UID": adapter.account_uid("Income")},
                    "TaxCode": {"UID": codes.taxable},
                }
            ],
        },
    )
    applied = -Decimal(str(credit["TotalAmount"]))
    client.create(
        "Sale/CreditSettlement",
        {
            "CreditFromInvoice": {"UID": credit["UID"]},
            "Customer": {"UID": customer},
            "Date": f"{timezone.localdate().isoformat()}T00:00:00",
            "CreditAmount": applied,
            "Lines": [
                {
                    "Type": "Invoice",
                    "Sale": {"UID": linked(integration, "invoice", invoice.pk)},
                    "AmountApplied": applied,
                }
            ],
        },
    )
    return client.get_one("Sale/Invoice/Service", credit["UID"])


def test_credit_made_in_myob_comes_into_the_hub_against_its_invoice(myob):
    org, integration = myob
    invoice = sent_invoice(org, integration)
    made = credit_in_myob(integration, invoice, "20.00")
    pull(integration)

    note = CreditNote.objects.get(invoice=invoice)
    invoice.refresh_from_db()
    assert note.total == -money(made["TotalAmount"]) >= Decimal("20.00")
    assert note.amount_allocated == note.total and note.reason == "Damaged part"
    assert invoice.balance == money(sale(integration, invoice.number)["BalanceDueAmount"])
    # Pulled again, and drained: nothing more, nothing sent back.
    pull(integration)
    drain_until_done(integration)
    assert CreditNote.objects.filter(invoice=invoice).count() == 1
    assert len([d for d in rows(integration, SALES) if d["TotalAmount"] < 0]) == 1
    assert len(rows(integration, SETTLEMENTS)) == 1


def test_a_refund_made_in_myob_comes_into_the_hub_against_its_credit_note(myob):
    org, integration = myob
    invoice = sent_invoice(org, integration)
    pay_in_myob(integration, invoice)
    pull(integration)
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    drain_until_done(integration)
    adapter = adapter_for(integration)
    MyobClient(integration).create(
        "Sale/CreditRefund",
        {
            "Account": {"UID": adapter.account_uid("Bank")},
            "Invoice": {"UID": linked(integration, "credit_note", note.pk)},
            "Customer": {"UID": linked(integration, "customer", invoice.customer_id)},
            "Date": f"{timezone.localdate().isoformat()}T00:00:00",
            "Amount": note.total,
            "Memo": "Bank transfer",
        },
    )
    pull(integration)

    (refund,) = note.refunds.all()
    assert refund.amount == note.total and refund.origin == "integration"
    note.refresh_from_db()
    assert note.remaining_credit == 0
    pull(integration)
    drain_until_done(integration)
    assert note.refunds.count() == 1 and len(rows(integration, REFUNDS)) == 1


def test_a_credit_note_voided_in_the_hub_is_deleted_in_myob_and_the_amount_is_due_again(myob):
    org, integration = myob
    invoice = sent_invoice(org, integration)
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    drain_until_done(integration)
    credit_note_void(credit_note=note)
    drain_until_done(integration)

    invoice.refresh_from_db()
    assert [d for d in rows(integration, SALES) if d["Number"] == note.number] == []
    assert rows(integration, SETTLEMENTS) == []
    in_myob = sale(integration, invoice.number)
    assert money(in_myob["BalanceDueAmount"]) == invoice.balance == invoice.total


def test_a_credit_note_whose_number_myob_holds_for_an_invoice_is_refused_with_the_reason(myob):
    org, integration = myob
    invoice = sent_invoice(org, integration)
    other = Hub(org).invoice(customer=invoice.customer, send=False)
    note = credit_note_create(invoice=invoice, lines=[line("Parts returned", "1", "33.33")])
    # A MYOB user already used the credit note's number for an ordinary invoice.
    adapter = adapter_for(integration)
    adapter.push_invoice(
        _renumbered(other, note.number),
        None,
        customer_remote_id=linked(integration, "customer", invoice.customer_id),
        key="made-in-myob",
    )
    drain_until_done(integration)

    entry = SyncLogEntry.objects.filter(
        integration=integration, kind="credit_note", object_id=note.pk
    ).latest("pk")
    assert "MYOB already has a sale numbered" in entry.message
    assert rows(integration, SETTLEMENTS) == []
    assert not Link.objects.filter(integration=integration, kind="credit_note").exists()


def _renumbered(invoice: Invoice, number: str) -> Invoice:
    invoice.number = number
    return invoice


def test_credit_made_in_myob_reaches_quickbooks_and_xero_through_the_hub(three):
    org, (qbo, xero, integration) = three
    invoice = Hub(org).invoice(lines=LINES)
    for each in (qbo, xero, integration):
        drain_until_done(each)
    credit_in_myob(integration, invoice, "20.00")
    pull(integration)
    note = CreditNote.objects.get(invoice=invoice)
    drain_until_done(qbo)
    drain_until_done(xero)

    invoice.refresh_from_db()
    assert note.total >= Decimal("20.00")
    memos = [d for d in rows(qbo, "CreditMemo") if d.get("DocNumber") == note.number]
    assert [money(m["TotalAmt"]) for m in memos] == [note.total]
    (in_qbo,) = [d for d in rows(qbo, "Invoice") if d.get("DocNumber") == invoice.number]
    assert money(in_qbo["Balance"]) == invoice.balance
    notes = [d for d in rows(xero, "CreditNotes") if d["CreditNoteNumber"] == note.number]
    assert [money(n["Total"]) for n in notes] == [note.total]
    (in_xero,) = [d for d in rows(xero, "Invoices") if d["InvoiceNumber"] == invoice.number]
    assert money(in_xero["AmountDue"]) == invoice.balance
    assert money(sale(integration, invoice.number)["BalanceDueAmount"]) == invoice.balance


def test_a_credit_note_applying_more_than_myob_has_due_is_refused_with_myob_s_reason(myob):
    org, integration = myob
    invoice = sent_invoice(org, integration)
    # Paid in MYOB, not read into the hub yet: the hub still sees the whole amount due.
    pay_in_myob(integration, invoice)
    note = credit_note_create(invoice=invoice, reason="Job cancelled")
    assert note.amount_allocated == invoice.total
    drain_until_done(integration)

    entry = SyncLogEntry.objects.filter(
        integration=integration, kind="credit_note", object_id=note.pk
    ).latest("pk")
    assert "no more than its balance due of 0" in entry.message
    assert rows(integration, SETTLEMENTS) == []
    in_myob = sale(integration, invoice.number)
    assert (in_myob["Status"], in_myob["BalanceDueAmount"]) == ("Closed", 0.0)
