"""Stripe payouts end to end over real HTTP: the Stripe sandbox pays out three card payments
and signs its webhook; the hub reads the payout with the official library, links its charges
to the hub payments and records it in QuickBooks (a Deposit) and Xero (a bank transfer and a
spend-money transaction), read back from each sandbox."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.integrations.models import AccountMapping
from apps.invoices.services import payment_collect_online
from apps.payouts.models import Payout
from apps.sandbox.models import SandboxRecord
from apps.sandbox.stripe import objects
from apps.sandbox.stripe.connect import stripe_sandbox_connect
from apps.sync.models import Change, SyncLogEntry
from tests.factories import UserFactory
from tests.staff import client_for
from tests.sync.test_end_to_end import drain_until_done

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stripe_sandbox(sandboxes, settings):
    settings.STRIPE_API_BASE = f"{sandboxes.url}/sandbox/stripe"
    settings.SANDBOX_WEBHOOKS_INLINE = True
    return sandboxes


def xero_account_id(integration, code: str) -> str:
    row = SandboxRecord.objects.get(
        company__external_id=integration.remote_company_id, entity="Accounts", data__Code=code
    )
    return row.record_id


def map_stripe_accounts(qbo, xero) -> None:
    for integration in (qbo, xero):
        integration.payouts_sync_to = True
        integration.save(update_fields=["payouts_sync_to"])
    AccountMapping.objects.create(
        integration=qbo,
        stripe_clearing_account_id="87",
        card_fees_account_id="88",
        payout_bank_account_id="35",
    )
    AccountMapping.objects.create(
        integration=xero,
        stripe_clearing_account_id=xero_account_id(xero, "091"),
        card_fees_account_id=xero_account_id(xero, "404"),
        payout_bank_account_id=xero_account_id(xero, "090"),
    )


def card_payment(live_hub, account, amount: str):
    """A customer pays an invoice by card: Stripe charges it, the hub records the payment."""
    invoice = live_hub.invoice(live_hub.customer(email=f"{amount}@example.com"))
    charge = objects.charge_create(
        account, amount=int(Decimal(amount) * 100), currency="usd", description=invoice.number
    )
    return payment_collect_online(
        invoice=invoice, amount=Decimal(amount), stripe_charge_id=charge.record_id
    )


def remote(integration, entity):
    return SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id, entity=entity, deleted=False
    )


def test_a_payout_of_three_card_payments_lands_in_quickbooks_and_xero(
    stripe_sandbox, both, live_org, live_hub
):
    qbo, xero = both
    map_stripe_accounts(qbo, xero)
    _, account = stripe_sandbox_connect(live_org)
    payments = [card_payment(live_hub, account, a) for a in ("250.00", "120.50", "89.99")]

    stripe_payout = objects.payout_create(account)

    payout = Payout.objects.get(stripe_payout_id=stripe_payout.record_id)
    # 2.9% + 0.30 of each: 7.55, 3.79, 2.91
    assert (payout.gross, payout.fees, payout.amount) == (
        Decimal("460.49"),
        Decimal("14.25"),
        Decimal("446.24"),
    )
    assert {line.payment_id for line in payout.lines.all()} == {p.pk for p in payments}
    assert payout.unknown_amount == 0
    for integration in both:
        drain_until_done(integration)

    [deposit] = [r.data for r in remote(qbo, "Deposit")]
    assert deposit["DepositToAccountRef"]["value"] == "35"
    assert Decimal(str(deposit["TotalAmt"])) == Decimal("446.24")
    lines = [
        (line["DepositLineDetail"]["AccountRef"]["value"], line["Amount"])
        for line in deposit["Line"]
    ]
    assert sorted(lines) == sorted([("87", 250.0), ("87", 120.5), ("87", 89.99), ("88", -14.25)])

    [transfer] = [r.data for r in remote(xero, "BankTransfers")]
    assert transfer["FromBankAccount"]["Code"] == "091"
    assert transfer["ToBankAccount"]["Code"] == "090"
    assert transfer["Amount"] == 446.24
    [spend] = [r.data for r in remote(xero, "BankTransactions")]
    assert spend["Type"] == "SPEND" and spend["BankAccount"]["Code"] == "091"
    assert spend["Total"] == 14.25 and spend["LineItems"][0]["AccountCode"] == "404"
    assert not Change.objects.filter(kind="payout").exclude(state="done").exists()
    pushed = SyncLogEntry.objects.filter(kind="payout", outcome="pushed")
    assert pushed.count() == 2 and "Deposited 446.24 USD" in pushed.first().message


def test_an_unknown_charge_is_left_on_the_clearing_account_with_a_sync_log_line(
    stripe_sandbox, both, live_org, live_hub
):
    qbo, xero = both
    map_stripe_accounts(qbo, xero)
    _, account = stripe_sandbox_connect(live_org)
    card_payment(live_hub, account, "100.00")
    stranger = objects.charge_create(account, amount=5000, currency="usd")

    objects.payout_create(account)

    payout = Payout.objects.get()
    assert payout.unknown_amount == Decimal("50.00")
    unknown = payout.lines.get(source_id=stranger.record_id)
    assert unknown.payment is None and unknown.unknown
    drain_until_done(qbo)
    [deposit] = [r.data for r in remote(qbo, "Deposit")]
    line = next(x for x in deposit["Line"] if stranger.record_id in x["Description"])
    assert line["DepositLineDetail"]["AccountRef"]["value"] == "87" and line["Amount"] == 50.0
    entry = SyncLogEntry.objects.get(integration=qbo, kind="payout", outcome="pushed")
    assert "50.00" in entry.message and stranger.record_id in entry.message


def test_without_the_stripe_accounts_mapped_the_payout_is_held_with_that_reason(
    stripe_sandbox, both, live_org, live_hub
):
    qbo, _ = both
    qbo.payouts_sync_to = True
    qbo.save(update_fields=["payouts_sync_to"])
    _, account = stripe_sandbox_connect(live_org)
    card_payment(live_hub, account, "100.00")
    objects.payout_create(account)
    drain_until_done(qbo)
    entry = SyncLogEntry.objects.get(integration=qbo, kind="payout")
    assert entry.outcome == "held_back" and entry.message.startswith("Map the Stripe accounts")
    assert not remote(qbo, "Deposit").exists()


def test_a_failed_payout_is_recorded_failed_and_never_deposited(
    stripe_sandbox, both, live_org, live_hub
):
    qbo, xero = both
    map_stripe_accounts(qbo, xero)
    _, account = stripe_sandbox_connect(live_org)
    card_payment(live_hub, account, "100.00")
    objects.payout_create(account, fail=True)
    payout = Payout.objects.get()
    assert payout.status == "failed" and "closed" in payout.failure_message
    drain_until_done(qbo)
    assert not remote(qbo, "Deposit").exists()
    entry = SyncLogEntry.objects.get(integration=qbo, kind="payout")
    assert entry.outcome == "skipped" and "failed" in entry.message


def test_a_payout_that_fails_after_it_was_deposited_asks_for_the_deposit_to_be_reversed(
    stripe_sandbox, both, live_org, live_hub
):
    qbo, xero = both
    map_stripe_accounts(qbo, xero)
    _, account = stripe_sandbox_connect(live_org)
    card_payment(live_hub, account, "100.00")
    stripe_payout = objects.payout_create(account)
    drain_until_done(qbo)
    assert remote(qbo, "Deposit").count() == 1

    objects.payout_fail(account, stripe_payout)

    assert Payout.objects.get().status == "failed"
    drain_until_done(qbo)
    entry = SyncLogEntry.objects.filter(integration=qbo, kind="payout").first()
    assert entry.outcome == "held_back" and "reverse its deposit" in entry.message
    assert remote(qbo, "Deposit").count() == 1


def test_connecting_the_demo_gives_its_card_payments_their_stripe_charges(
    stripe_sandbox, both, live_org, live_hub
):
    invoice = live_hub.invoice()
    paid = payment_collect_online(invoice=invoice, amount=Decimal("75.00"))
    _, account = stripe_sandbox_connect(live_org)
    paid.refresh_from_db()
    charge = objects.find(account, objects.CHARGE, paid.stripe_charge_id)
    assert charge.data["amount"] == 7500 and charge.data["metadata"]["hub_payment"] == str(paid.pk)
    stripe_payout = objects.payout_create(account)
    assert Payout.objects.get().lines.get().payment == paid

    page = client_for(UserFactory(organisation=live_org)).get("/settings/integrations/stripe/")
    text = page.content.decode()
    assert stripe_payout.record_id in text and paid.stripe_charge_id in text
    assert f"on {invoice.number}" in text


def test_a_payout_in_another_currency_than_the_ledgers_is_held_with_that_reason(
    stripe_sandbox, both, live_org, live_hub
):
    qbo, xero = both
    map_stripe_accounts(qbo, xero)
    _, account = stripe_sandbox_connect(live_org)
    account.currency = "CAD"
    account.save(update_fields=["currency"])
    objects.charge_create(account, amount=10000, currency="cad")
    objects.payout_create(account)
    assert Payout.objects.get().currency == "CAD"
    for integration in both:
        drain_until_done(integration)
        entry = SyncLogEntry.objects.get(integration=integration, kind="payout")
        assert entry.outcome == "held_back"
        assert "CAD" in entry.message and "USD" in entry.message
    assert not remote(qbo, "Deposit").exists()
    assert not remote(xero, "BankTransfers").exists()
    assert not remote(xero, "BankTransactions").exists()


def test_card_payments_wait_on_the_clearing_account_the_payout_takes_them_from(
    stripe_sandbox, both, live_org, live_hub
):
    """The deposit moves the charges out of the Stripe clearing account, so that is where the
    card payments must have gone in: otherwise the clearing account ends negative by the payout
    and the payments account keeps money the bank already has."""
    qbo, xero = both
    map_stripe_accounts(qbo, xero)
    _, account = stripe_sandbox_connect(live_org)
    card_payment(live_hub, account, "250.00")
    objects.payout_create(account)
    for integration in both:
        drain_until_done(integration)

    [payment] = [r.data for r in remote(qbo, "Payment") if r.data["TotalAmt"] == 250.0]
    [deposit] = [r.data for r in remote(qbo, "Deposit")]
    taken_from = {line["DepositLineDetail"]["AccountRef"]["value"] for line in deposit["Line"]}
    assert payment["DepositToAccountRef"]["value"] == "87" and "87" in taken_from

    [xero_payment] = [r.data for r in remote(xero, "Payments") if r.data["Amount"] == 250.0]
    [transfer] = [r.data for r in remote(xero, "BankTransfers")]
    assert xero_payment["Account"]["Code"] == transfer["FromBankAccount"]["Code"] == "091"


def test_a_negative_payout_with_fees_given_back_balances_to_the_cent_in_both_ledgers(
    stripe_sandbox, both, live_org
):
    """Refunds larger than the charges, their fees given back: Stripe debits the bank. The
    QuickBooks deposit and the Xero documents each move exactly the payout's amount."""
    from apps.payouts.services import PayoutFacts, TransactionFacts, payout_record

    qbo, xero = both
    map_stripe_accounts(qbo, xero)
    facts = PayoutFacts(
        stripe_payout_id="po_negative",
        status="paid",
        currency="usd",
        amount=Decimal("-87.39"),
        arrival_date=dt.date(2026, 12, 4),
        transactions=[
            TransactionFacts(
                "txn_1", "charge", "ch_1", Decimal("10.00"), Decimal("0.59"), Decimal("9.41")
            ),
            TransactionFacts(
                "txn_2", "refund", "re_1", Decimal("-100.00"), Decimal("-3.20"), Decimal("-96.80")
            ),
        ],
    )
    payout, _ = payout_record(organisation=live_org, facts=facts)
    assert (payout.gross, payout.fees) == (Decimal("-90.00"), Decimal("-2.61"))
    for integration in both:
        drain_until_done(integration)
        entry = SyncLogEntry.objects.get(integration=integration, kind="payout")
        assert entry.outcome == "pushed", entry.message

    [deposit] = [r.data for r in remote(qbo, "Deposit")]
    assert Decimal(str(deposit["TotalAmt"])) == Decimal("-87.39")

    [transfer] = [r.data for r in remote(xero, "BankTransfers")]
    [fees] = [r.data for r in remote(xero, "BankTransactions")]
    bank = Decimal(str(transfer["Amount"]))
    if transfer["FromBankAccount"]["Code"] == "090":
        bank = -bank
    assert bank == Decimal("-87.39")  # what left the bank, as Stripe debited it
    assert fees["Type"] == "RECEIVE" and Decimal(str(fees["Total"])) == Decimal("2.61")
    assert fees["BankAccount"]["Code"] == "091"


def test_a_card_payment_refunded_is_paid_back_from_the_clearing_account_it_waited_on(
    stripe_sandbox, both, live_org, live_hub
):
    """Stripe takes a card refund out of its next payout, whose deposit comes from the clearing
    account: the ledger's refund must leave from there too, or the money leaves twice."""
    from apps.invoices.credits import refund_record

    qbo, xero = both
    map_stripe_accounts(qbo, xero)
    _, account = stripe_sandbox_connect(live_org)
    payment = card_payment(live_hub, account, "250.00")
    for integration in both:
        drain_until_done(integration)
    refund_record(payment=payment, amount="40.00", method="Card")
    for integration in both:
        drain_until_done(integration)

    [receipt] = [r.data for r in remote(qbo, "RefundReceipt")]
    assert (receipt["TotalAmt"], receipt["DepositToAccountRef"]["value"]) == (40.0, "87")
    [paid_back] = [r.data for r in remote(xero, "Payments") if r.data.get("CreditNote")]
    assert (paid_back["Amount"], paid_back["Account"]["Code"]) == (40.0, "091")
