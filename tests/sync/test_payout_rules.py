"""What the engine decides for a payout per integration (docs/payouts.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from apps.integrations import registry
from apps.integrations.models import AccountMapping
from apps.integrations.payout_lines import line_text
from apps.payouts.models import Payout, PayoutLine
from apps.sync.attention import mapping_fix
from apps.sync.payouts import accounts_of, load_payout
from apps.sync.rules import Action, decide
from tests.factories import CustomerFactory, InvoiceFactory, PaymentFactory


@pytest.fixture
def payout(org):
    return Payout.objects.create(
        organisation=org,
        stripe_payout_id="po_1",
        status="paid",
        currency="USD",
        amount=Decimal("97.10"),
        gross=Decimal("100.00"),
        fees=Decimal("2.90"),
        arrival_date=date(2026, 12, 4),
    )


def test_a_provider_without_payouts_holds_them_saying_where_they_go(connect, payout, monkeypatch):
    entry = registry.PROVIDERS["myob"]
    without = replace(entry, capabilities=replace(entry.capabilities, payouts=False))
    monkeypatch.setitem(registry.PROVIDERS, "myob", without)
    myob = connect("myob", payouts_sync_to=True)
    decision = decide(myob, "payout", payout, None)
    assert decision.action == Action.HOLD
    assert decision.reason.startswith("MYOB Business does not take Stripe payouts")
    assert "QuickBooks Online and Xero" in decision.reason


def test_myob_takes_payouts_once_its_stripe_accounts_are_mapped(connect, payout):
    myob = connect("myob", payouts_sync_to=True)
    held = decide(myob, "payout", payout, None)
    assert held.action == Action.HOLD and held.reason.startswith("Map the Stripe accounts")
    AccountMapping.objects.create(
        integration=myob,
        stripe_clearing_account_id="clearing-uid",
        card_fees_account_id="fees-uid",
        payout_bank_account_id="bank-uid",
    )
    assert decide(myob, "payout", payout, None).action == Action.PUSH


def test_payouts_sync_to_off_holds_them(connect, payout):
    qbo = connect("quickbooks")
    decision = decide(qbo, "payout", payout, None)
    assert decision.action == Action.HOLD and "Payouts Sync to is off" in decision.reason


def test_each_missing_stripe_account_is_named(connect, payout):
    xero = connect("xero", payouts_sync_to=True)
    AccountMapping.objects.create(integration=xero, card_fees_account_id="404")
    decision = decide(xero, "payout", payout, None)
    assert decision.action == Action.HOLD
    assert decision.reason == (
        "Map the Stripe accounts: no account mapped as the Stripe clearing account, the bank "
        "account payouts land in; choose them on this integration's settings page."
    )
    fix = mapping_fix(xero.pk, decision.reason)
    assert fix.label == "Choose the account" and fix.url.endswith("#account-mapping")


def test_a_mapped_integration_sends_a_paid_payout(connect, payout):
    qbo = connect("quickbooks", payouts_sync_to=True)
    AccountMapping.objects.create(
        integration=qbo,
        stripe_clearing_account_id="87",
        card_fees_account_id="88",
        payout_bank_account_id="35",
    )
    assert decide(qbo, "payout", payout, None).action == Action.PUSH


def test_a_payouts_line_texts_take_no_query_per_line(payout, django_assert_num_queries):
    customer = CustomerFactory(organisation=payout.organisation)
    payments = [
        PaymentFactory(invoice=InvoiceFactory(organisation=payout.organisation)),
        PaymentFactory(invoice=InvoiceFactory(organisation=payout.organisation)),
        PaymentFactory(invoice=None, customer=customer),
    ]
    for number, payment in enumerate(payments):
        PayoutLine.objects.create(
            payout=payout,
            balance_transaction_id=f"txn_{number}",
            kind="charge",
            source_id=f"ch_{number}",
            gross=Decimal("10.00"),
            fee=Decimal("0.59"),
            net=Decimal("9.41"),
            payment=payment,
        )
    loaded = load_payout(payout.pk)
    with django_assert_num_queries(0):
        texts = [line_text(line) for line in loaded.lines.all()]
    assert texts[0].startswith("Card payment ch_0 for invoice ")
    assert texts[2] == f"Card payment ch_2 for {customer}"


def test_the_stripe_accounts_are_read_in_one_query(connect, payout, django_assert_num_queries):
    xero = connect("xero", payouts_sync_to=True)
    AccountMapping.objects.create(
        integration=xero,
        stripe_clearing_account_id="801",
        card_fees_account_id="404",
        payout_bank_account_id="090",
    )
    with django_assert_num_queries(1):
        accounts, missing = accounts_of(xero)
    assert (accounts.clearing, accounts.fees, accounts.bank, missing) == ("801", "404", "090", [])
