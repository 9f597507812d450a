"""What the engine decides for a payout per integration (docs/payouts.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from apps.integrations import registry
from apps.integrations.models import AccountMapping
from apps.payouts.models import Payout
from apps.sync.attention import mapping_fix
from apps.sync.rules import Action, decide


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
