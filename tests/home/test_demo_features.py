"""What a new user sees in the demo after ``seed_demo``: a paid invoice with a partial credit
note whose credit was refunded, the Australian ledgers mapped for Stripe payouts with payouts on,
and a Stripe payout that reached the hub through its signed webhook, read back from the Stripe
sandbox over HTTP. Running ``seed_demo`` again adds none of them twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.accounts.models import Organisation, User
from apps.home import demo, demo_australia
from apps.integrations.models import AccountMapping, Integration
from apps.invoices.models import CreditNote, Invoice, Refund
from apps.payouts.models import Payout
from apps.sandbox.models import SandboxRecord
from apps.sync.models import Change
from tests.sync.test_end_to_end import drain_until_done


def organisations() -> list[Organisation]:
    return [
        Organisation.objects.get(name=name)
        for name in (demo.ORGANISATION, demo_australia.ORGANISATION)
    ]


def counts() -> tuple[int, ...]:
    return (
        CreditNote.objects.count(),
        Refund.objects.count(),
        Payout.objects.count(),
        AccountMapping.objects.count(),
        SandboxRecord.objects.filter(entity="payout").count(),
    )


@pytest.mark.django_db
def test_each_demo_has_an_invoice_with_a_partial_credit_note_and_a_refund(client):
    call_command("seed_demo", "--without-ledgers")
    for organisation in organisations():
        [note] = CreditNote.objects.filter(organisation=organisation)
        invoice = note.invoice
        assert invoice.status == Invoice.Status.PARTIALLY_PAID
        assert 0 < note.total < invoice.total  # part of the invoice, not all of it
        assert note.amount_allocated == note.total  # taken off the amount due
        assert invoice.balance == invoice.total - invoice.amount_paid - note.total
        [refund] = Refund.objects.filter(invoice=invoice)
        assert refund.payment.invoice == invoice and 0 < refund.amount < refund.payment.amount
        client.force_login(User.objects.get(organisation=organisation))
        page = client.get(invoice.get_absolute_url()).content.decode()
        assert note.number in page and str(refund.amount) in page
    before = counts()
    call_command("seed_demo", "--without-ledgers")
    assert counts() == before


@pytest.fixture
def stripe_sandbox(sandboxes, settings):
    settings.STRIPE_API_BASE = f"{sandboxes.url}/sandbox/stripe"
    # The Stripe sandbox posts its signed webhook at once rather than from a thread.
    settings.SANDBOX_WEBHOOKS_INLINE = True
    return sandboxes


@pytest.mark.django_db(transaction=True)
def test_the_demo_payouts_arrive_by_webhook_and_reach_the_australian_ledgers(
    stripe_sandbox, client
):
    call_command("seed_demo")

    us, au = organisations()
    for organisation in (us, au):
        [payout] = Payout.objects.filter(organisation=organisation)
        assert payout.status == "paid" and payout.amount > 0
        assert payout.unknown_amount == 0  # every charge is a hub card payment
        # Settings → Integrations → Stripe lists it, with the card payment it carried.
        client.force_login(User.objects.get(organisation=organisation))
        page = client.get("/settings/integrations/stripe/").content.decode()
        body = page.split("</title>", 1)[1]
        assert "Recent payouts" in body and f"{payout.amount} {payout.currency}" in body
    integrations = Integration.objects.filter(organisation=au)
    assert integrations.count() == 3
    for integration in integrations:
        mapping = integration.account_mapping
        assert integration.payouts_sync_to
        assert mapping.stripe_clearing_account_name == "Stripe Clearing"
        assert mapping.card_fees_account_id and mapping.payout_bank_account_id
        kinds = set(Change.objects.filter(integration=integration).values_list("kind", flat=True))
        assert {"payout", "credit_note", "refund"} <= kinds
        # The settings page reads the chart and finds every mapped Stripe account there.
        client.force_login(User.objects.get(organisation=au))
        page = client.get(f"/settings/integrations/{integration.pk}/").content.decode()
        assert "Stripe Clearing" in page and "no longer exists" not in page

    quickbooks = integrations.get(provider="quickbooks")
    drain_until_done(quickbooks, rounds=30)
    company = quickbooks.remote_company_id
    [deposit] = SandboxRecord.objects.filter(company__external_id=company, entity="Deposit")
    assert str(deposit.data["TotalAmt"]) == str(Payout.objects.get(organisation=au).amount)
    assert SandboxRecord.objects.filter(company__external_id=company, entity="CreditMemo").exists()
    assert SandboxRecord.objects.filter(
        company__external_id=company, entity="RefundReceipt"
    ).exists()

    # Xero goes by the accounts' codes, as its settings page maps them.
    xero = integrations.get(provider="xero")
    assert xero.account_mapping.stripe_clearing_account_id == "091"
    drain_until_done(xero, rounds=30)
    [transfer] = SandboxRecord.objects.filter(
        company__external_id=xero.remote_company_id, entity="BankTransfers"
    )
    assert transfer.data["FromBankAccount"]["Code"] == "091"

    before = counts()
    call_command("seed_demo")
    assert counts() == before
