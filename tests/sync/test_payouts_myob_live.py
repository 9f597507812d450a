"""Stripe payouts into MYOB Business over real HTTP (docs/payouts.md): the Stripe sandbox pays
out three card payments of an Australian organisation and signs its webhook; the hub records
the payout in MYOB as a transfer money and a spend money transaction, read back from the MYOB
sandbox; alone and beside QuickBooks and Xero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from apps.integrations import registry
from apps.integrations.models import AccountMapping
from apps.integrations.myob import payouts as myob_payouts
from apps.invoices.services import payment_collect_online
from apps.payouts.models import Payout
from apps.sandbox.models import SandboxRecord
from apps.sandbox.stripe import objects
from apps.sandbox.stripe.connect import stripe_sandbox_connect
from apps.sync.models import Change, SyncLogEntry
from apps.sync.payouts import accounts_of
from tests.factories import OrganisationFactory, UserFactory
from tests.sync.conftest import Hub
from tests.sync.test_end_to_end import drain_until_done
from tests.sync.test_payouts_live import map_stripe_accounts, remote

pytestmark = pytest.mark.django_db(transaction=True)

TRANSFERS, SPENDS = "myob:Banking/TransferMoneyTxn", "myob:Banking/SpendMoneyTxn"


@pytest.fixture
def stripe_sandbox(sandboxes, settings):
    settings.STRIPE_API_BASE = f"{sandboxes.url}/sandbox/stripe"
    settings.SANDBOX_WEBHOOKS_INLINE = True
    return sandboxes


@pytest.fixture
def myob(stripe_sandbox):
    """An Australian organisation with MYOB connected (a fresh sample company file)."""
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    org = OrganisationFactory(name="Coastline Trades", country="AU", currency="AUD")
    return sandbox_integration_connect(organisation=org, provider="myob", nightly=False)


def myob_account(integration, display_id: str) -> str:
    return SandboxRecord.objects.get(
        company__external_id=integration.remote_company_id,
        entity="myob:GeneralLedger/Account",
        data__DisplayID=display_id,
    ).record_id


def map_myob(integration) -> None:
    integration.payouts_sync_to = True
    integration.save(update_fields=["payouts_sync_to"])
    AccountMapping.objects.create(
        integration=integration,
        stripe_clearing_account_id=myob_account(integration, "1-1180"),
        card_fees_account_id=myob_account(integration, "6-1100"),
        payout_bank_account_id=myob_account(integration, "1-1110"),
    )


def paid_by_card(org, amounts=("250.00", "120.50", "89.99")):
    """Customers pay invoices by card: Stripe charges them, the hub records the payments; then
    Stripe pays the balance out."""
    hub = Hub(org)
    _, account = stripe_sandbox_connect(org)
    payments = []
    for amount in amounts:
        invoice = hub.invoice(hub.customer(email=f"{amount}@example.com.au"))
        cents = int(Decimal(amount) * 100)
        charge = objects.charge_create(
            account, amount=cents, currency=org.currency.lower(), description=invoice.number
        )
        payments.append(
            payment_collect_online(
                invoice=invoice, amount=Decimal(amount), stripe_charge_id=charge.record_id
            )
        )
    objects.payout_create(account)
    return Payout.objects.get(organisation=org), payments


def test_a_payout_of_three_card_payments_lands_in_myob_as_a_transfer_and_the_fees(myob):
    map_myob(myob)
    payout, payments = paid_by_card(myob.organisation)
    # 2.9% + 0.30 of each: 7.55, 3.79, 2.91
    assert (payout.gross, payout.fees, payout.amount) == (
        Decimal("460.49"),
        Decimal("14.25"),
        Decimal("446.24"),
    )
    assert {line.payment_id for line in payout.lines.all()} == {p.pk for p in payments}
    drain_until_done(myob)

    [transfer] = [r.data for r in remote(myob, TRANSFERS)]
    assert transfer["FromAccount"]["DisplayID"] == "1-1180"
    assert transfer["ToAccount"]["DisplayID"] == "1-1110"
    assert Decimal(str(transfer["Amount"])) == Decimal("446.24")
    assert transfer["Memo"] == f"Stripe payout {payout.stripe_payout_id}"
    [spend] = [r.data for r in remote(myob, SPENDS)]
    assert spend["PayFrom"] == "Account" and spend["Account"]["DisplayID"] == "1-1180"
    [line] = spend["Lines"]
    assert line["Account"]["DisplayID"] == "6-1100"
    # Stripe's Australian fees include GST: the fees paid stay 14.25, GST 1.30 inside them.
    assert line["TaxCode"]["Code"] == "GST" and spend["IsTaxInclusive"] is True
    assert Decimal(str(spend["AmountPaid"])) == payout.fees
    assert Decimal(str(spend["TotalTax"])) == Decimal("1.30")
    # The card payments went into the clearing account, which the transfer takes them from.
    deposits = {
        r.data["Account"]["UID"]
        for r in remote(myob, "myob:Sale/CustomerPayment")
        if Decimal(str(r.data["AmountReceived"])) in {p.amount for p in payments}
    }
    assert deposits == {myob_account(myob, "1-1180")}
    # The clearing account: the payments' gross in, the transfer and the fees out: nothing left.
    left = payout.gross - Decimal(str(transfer["Amount"])) - Decimal(str(spend["AmountPaid"]))
    assert left == 0
    assert not Change.objects.filter(kind="payout").exclude(state="done").exists()
    entry = SyncLogEntry.objects.get(integration=myob, kind="payout")
    assert entry.outcome == "pushed" and "Deposited 446.24 AUD" in entry.message


def test_a_retried_payout_is_found_by_its_memo_and_not_recorded_twice(myob):
    """MYOB has no idempotency key: an attempt whose answer was lost is found again."""
    map_myob(myob)
    payout, _ = paid_by_card(myob.organisation, amounts=("100.00",))
    drain_until_done(myob)
    assert remote(myob, TRANSFERS).count() == 1 and remote(myob, SPENDS).count() == 1

    # The same payout sent again, as after a crash between MYOB's answer and the hub's record.
    accounts, _ = accounts_of(myob)
    again = registry.adapter_for(myob).push_payout(payout, accounts, key="retry")
    assert again.matched
    assert remote(myob, TRANSFERS).count() == 1 and remote(myob, SPENDS).count() == 1
    assert again.remote_id == remote(myob, TRANSFERS).get().record_id


def test_a_transfer_made_before_a_lost_answer_is_kept_and_only_the_fees_are_added(myob):
    map_myob(myob)
    payout, _ = paid_by_card(myob.organisation, amounts=("100.00",))
    accounts, _ = accounts_of(myob)
    adapter = registry.adapter_for(myob)
    # The transfer reached MYOB, then the attempt died before the fees.
    adapter.client.create(myob_payouts.TRANSFERS, myob_payouts.transfer_to_myob(payout, accounts))
    drain_until_done(myob)
    assert remote(myob, TRANSFERS).count() == 1 and remote(myob, SPENDS).count() == 1
    assert SyncLogEntry.objects.get(integration=myob, kind="payout").outcome == "pushed"


def test_without_the_stripe_accounts_mapped_the_myob_payout_is_held_with_that_reason(myob):
    myob.payouts_sync_to = True
    myob.save(update_fields=["payouts_sync_to"])
    paid_by_card(myob.organisation, amounts=("100.00",))
    drain_until_done(myob)
    entry = SyncLogEntry.objects.get(integration=myob, kind="payout")
    assert entry.outcome == "held_back" and entry.message.startswith("Map the Stripe accounts")
    assert not remote(myob, TRANSFERS).exists() and not remote(myob, SPENDS).exists()


def test_a_clearing_account_that_is_not_a_bank_account_in_myob_holds_the_payout(myob):
    map_myob(myob)
    AccountMapping.objects.filter(integration=myob).update(
        stripe_clearing_account_id=myob_account(myob, "1-1200")  # Trade Debtors
    )
    paid_by_card(myob.organisation, amounts=("100.00",))
    drain_until_done(myob)
    entry = SyncLogEntry.objects.get(integration=myob, kind="payout")
    assert entry.outcome == "held_back" and "1-1200" in entry.message
    assert "is not a bank account in MYOB" in entry.message
    assert not remote(myob, TRANSFERS).exists()


def test_one_payout_reaches_quickbooks_xero_and_myob_once_each(three, stripe_sandbox):
    org, (qbo, xero, myob) = three
    map_stripe_accounts(qbo, xero)
    map_myob(myob)
    payout, _ = paid_by_card(org)
    for integration in (qbo, xero, myob):
        drain_until_done(integration)

    [deposit] = [r.data for r in remote(qbo, "Deposit")]
    assert Decimal(str(deposit["TotalAmt"])) == payout.amount == Decimal("446.24")
    [transfer] = [r.data for r in remote(xero, "BankTransfers")]
    assert Decimal(str(transfer["Amount"])) == payout.amount
    [spend] = [r.data for r in remote(xero, "BankTransactions")]
    assert Decimal(str(spend["Total"])) == payout.fees
    [myob_transfer] = [r.data for r in remote(myob, TRANSFERS)]
    [myob_spend] = [r.data for r in remote(myob, SPENDS)]
    assert Decimal(str(myob_transfer["Amount"])) == payout.amount
    assert Decimal(str(myob_spend["AmountPaid"])) == payout.fees
    pushed = SyncLogEntry.objects.filter(kind="payout", outcome="pushed")
    assert sorted(pushed.values_list("integration_id", flat=True)) == sorted(
        [qbo.pk, xero.pk, myob.pk]
    )
    assert not Change.objects.filter(kind="payout").exclude(state="done").exists()


def test_the_myob_settings_page_suggests_the_stripe_accounts_and_saving_them_sends_payouts(
    myob,
):
    """Staff open MYOB's settings page, see the Stripe accounts suggested from the company
    file's chart, save them and turn payouts on; the next payout goes out with them."""
    client = Client()
    client.force_login(UserFactory(organisation=myob.organisation))
    url = f"/settings/integrations/{myob.pk}/"
    page = client.get(url).content.decode()
    assert "Suggested: Stripe Clearing (1-1180)" in page
    assert "Suggested: Bank Fees (6-1100)" in page
    assert "Suggested: Business Cheque Account (1-1110)" in page
    answer = client.post(
        f"{url}mapping/",
        {
            "stripe_clearing_account": myob_account(myob, "1-1180"),
            "card_fees_account": myob_account(myob, "6-1100"),
            "payout_bank_account": myob_account(myob, "1-1110"),
        },
    )
    assert answer.status_code == 302
    myob.payouts_sync_to = True
    myob.save(update_fields=["payouts_sync_to"])
    payout, _ = paid_by_card(myob.organisation, amounts=("100.00",))
    drain_until_done(myob)
    [transfer] = [r.data for r in remote(myob, TRANSFERS)]
    assert Decimal(str(transfer["Amount"])) == payout.amount == Decimal("96.80")


def test_a_new_zealand_file_records_the_fees_without_gst(stripe_sandbox):
    """Stripe charges no GST on payment fees in New Zealand: the fee line is N-T."""
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    org = OrganisationFactory(name="Kiwi Drains", country="NZ", currency="NZD")
    myob = sandbox_integration_connect(organisation=org, provider="myob", nightly=False)
    map_myob(myob)
    payout, _ = paid_by_card(org, amounts=("100.00",))
    drain_until_done(myob)
    [spend] = [r.data for r in remote(myob, SPENDS)]
    assert spend["Lines"][0]["TaxCode"]["Code"] == "N-T"
    assert Decimal(str(spend["AmountPaid"])) == payout.fees == Decimal("3.20")
    assert spend["TotalTax"] == 0
