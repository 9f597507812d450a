"""An Australian organisation with QuickBooks Online, Xero and MYOB connected at once, against
the three sandboxes over real HTTP: changes go through the hub and never across, nothing the hub
wrote comes back as a change, held-back records stay back everywhere, payments are not fanned
out, a reconnected MYOB keeps its links, and a failing MYOB stops neither of the others
(docs/sync-rules.md, docs/myob.md).

MYOB has no webhooks: its changes arrive when beat's pull task runs for it, called here as beat
would call it."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from apps.integrations.companies import CompanyFacts
from apps.integrations.oauth import TokenSet
from apps.integrations.quickbooks.client import QuickBooksClient
from apps.integrations.registry import adapter_for
from apps.integrations.services import integration_connect, integration_disconnect
from apps.integrations.xero.client import XeroClient
from apps.invoices.models import Invoice
from apps.invoices.services import invoice_update
from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.control import fault_inject
from apps.sandbox.models import SandboxCompany, SandboxFault, SandboxRecord
from apps.sandbox.oauth import token_issue
from apps.sandbox.tools.benchmark_data import SCOPES
from apps.sync.models import Change, Link
from apps.sync.pull import pull
from apps.sync.push import drain
from apps.sync.tasks import pull_integration
from tests.sandbox.test_qbo_australia import sales_lines
from tests.sync.conftest import LINE, Hub
from tests.sync.test_end_to_end import drain_until_done

pytestmark = pytest.mark.django_db(transaction=True)

# provider: (sandbox entity of an invoice, its number field, its total field, of a payment)
INVOICES = {
    "quickbooks": ("Invoice", "DocNumber", "TotalAmt", "Payment"),
    "xero": ("Invoices", "InvoiceNumber", "Total", "Payments"),
    "myob": ("myob:Sale/Invoice", "Number", "TotalAmount", "myob:Sale/CustomerPayment"),
}


def totals(integration, number: str) -> list[Decimal]:
    """The totals of the invoices numbered ``number`` in the integration's sandbox company: one
    entry per copy, so ``[total]`` means exactly once."""
    entity, number_field, total_field, _ = INVOICES[integration.provider]
    rows = SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id, entity=entity, deleted=False
    ).values_list("data", flat=True)
    return [Decimal(str(d[total_field])) for d in rows if d.get(number_field) == number]


def payments_in(integration) -> int:
    entity = INVOICES[integration.provider][3]
    return SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id, entity=entity
    ).count()


def settle(*integrations) -> None:
    for integration in integrations:
        drain_until_done(integration)


def beat_pulls(integration, attempts: int = 20) -> None:
    """What a worker runs for a due integration when beat's periodic pull (apps.sync.tasks.
    pull_all) or a reconnect queues it: the pull task, run again when it asks to be retried (the
    hub's own limiter pacing MYOB's 8 calls a second), as Celery would."""
    for _ in range(attempts):
        try:
            pull_integration(integration.pk)
            return
        except Retry:
            time.sleep(0.3)  # its countdown: the limiter's wait, a fraction of a second
    raise AssertionError(f"The pull of {integration} was still retrying")


def someone_invoices_in_myob(myob, *, number: str, amount: float) -> dict:
    """A MYOB user makes a customer card and a Service invoice with GST in AccountRight."""
    adapter = adapter_for(myob)
    gst, sales = adapter.card_tax_code(), adapter.account_uid("Income")
    card = adapter.client.create(
        "Contact/Customer",
        {
            "CompanyName": f"Card {number}",
            "IsIndividual": False,
            "Addresses": [{"Location": 1, "Email": f"{number.lower()}@cards.example"}],
            "SellingDetails": {"TaxCode": {"UID": gst}, "FreightTaxCode": {"UID": gst}},
        },
    )
    return adapter.client.create(
        "Sale/Invoice/Service",
        {
            "Number": number,
            "Date": f"{timezone.localdate().isoformat()}T00:00:00",
            "Customer": {"UID": card["UID"]},
            "IsTaxInclusive": False,
            "Lines": [
                {
                    "Type": "Transaction",
                    "Description": "Switchboard upgrade",
                    "Total": amount,
                    "Account": {"UID": sales},
                    "TaxCode": {"UID": gst},
                }
            ],
        },
    )


def someone_invoices_in_quickbooks_australia(qbo, *, number: str, amount: float) -> dict:
    client = QuickBooksClient(qbo)
    customer = client.create(
        "Customer",
        {"DisplayName": f"Customer {number}", "PrimaryEmailAddr": {"Address": f"{number}@q.ex"}},
        key=f"customer-{number}",
    )
    gst = next(c["Id"] for c in client.query("select * from TaxCode") if c["Name"] == "GST")
    return client.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": number,
            "GlobalTaxCalculation": "TaxExcluded",
            "Line": sales_lines([(1, amount, gst)]),
        },
        key=f"invoice-{number}",
    )


def someone_invoices_in_xero(xero, *, number: str, amount: float) -> dict:
    client = XeroClient(xero)
    contact = client.create(
        "Contacts",
        {"Name": f"Contact {number}", "EmailAddress": f"{number.lower()}@contacts.example"},
        key=f"contact-{number}",
    )
    return client.create(
        "Invoices",
        {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact["ContactID"]},
            "InvoiceNumber": number,
            "Date": timezone.localdate().isoformat(),
            "Status": "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "LineItems": [
                {
                    "Description": "Hot water system",
                    "Quantity": 1,
                    "UnitAmount": amount,
                    "AccountCode": "200",
                    "TaxType": "OUTPUT",
                }
            ],
        },
        key=f"invoice-{number}",
    )


def made_in(origin, number: str) -> None:
    """An invoice made by a user in ``origin`` itself, then brought into the hub the way that
    provider's changes arrive (MYOB polled by beat; the others pulled as their webhooks do)."""
    if origin.provider == "myob":
        someone_invoices_in_myob(origin, number=number, amount=1250.0)
        beat_pulls(origin)
        return
    if origin.provider == "xero":
        someone_invoices_in_xero(origin, number=number, amount=1250.0)
    else:
        pull(origin)  # the first full scan brings the sample company's records in
        someone_invoices_in_quickbooks_australia(origin, number=number, amount=1250.0)
    pull(origin)


@pytest.mark.parametrize("origin", ["quickbooks", "xero", "myob"])
def test_invoice_made_in_one_ledger_reaches_the_other_two_once_with_the_same_total(three, origin):
    org, ledgers = three
    source = next(i for i in ledgers if i.provider == origin)
    number = f"{origin[:2].upper()}-3001"
    made_in(source, number)
    invoice = Invoice.objects.get(organisation=org, number=number)
    assert invoice.total == Decimal("1375.00")

    settle(*ledgers)

    for integration in ledgers:
        assert totals(integration, number) == [invoice.total], integration.provider
    # Through the hub only, and never back to the ledger it came from (no echo).
    assert not Change.objects.filter(integration=source, kind="invoice").exists()
    # Pulling every ledger again brings nothing back as a change.
    for integration in ledgers:
        pull(integration)
    settle(*ledgers)
    assert Invoice.objects.filter(organisation=org, number=number).count() == 1
    for integration in ledgers:
        assert totals(integration, number) == [invoice.total], integration.provider


def test_invoice_sent_in_the_hub_lands_once_in_all_three_and_pulls_back_as_nothing(three):
    org, ledgers = three
    invoice = Hub(org).invoice()
    settle(*ledgers)
    before = Invoice.objects.filter(organisation=org).count()

    for integration in ledgers:
        pull(integration)
    settle(*ledgers)

    assert Invoice.objects.filter(organisation=org).count() == before
    assert not Change.objects.exclude(state="done").exists()
    for integration in ledgers:
        assert totals(integration, invoice.number) == [invoice.total], integration.provider


def test_a_draft_stays_back_in_all_three_until_it_is_sent(three):
    from apps.invoices.services import invoice_send

    org, ledgers = three
    draft = Hub(org).invoice(send=False)
    settle(*ledgers)
    for integration in ledgers:
        assert totals(integration, draft.number) == [], integration.provider

    invoice_send(invoice=draft)
    settle(*ledgers)

    for integration in ledgers:
        assert totals(integration, draft.number) == [draft.total], integration.provider


def sent_to_all_three(three) -> tuple:
    """An invoice sent in the hub and settled in every ledger; it and its link in MYOB."""
    org, ledgers = three
    invoice = Hub(org).invoice()
    settle(*ledgers)
    return invoice, Link.objects.get(integration=ledgers[2], kind="invoice", object_id=invoice.pk)


def test_payment_recorded_in_myob_pays_the_hub_invoice_and_is_sent_to_neither_other(three):
    qbo, xero, myob = three[1]
    invoice, remote_invoice = sent_to_all_three(three)
    card = Link.objects.get(integration=myob, kind="customer", object_id=invoice.customer_id)
    payments_before = (payments_in(qbo), payments_in(xero))
    adapter_for(myob).client.create(
        "Sale/CustomerPayment",
        {
            "DepositTo": "UndepositedFunds",
            "Customer": {"UID": card.remote_id},
            "Date": f"{timezone.localdate().isoformat()}T00:00:00",
            "AmountReceived": float(invoice.total),
            "Invoices": [
                {
                    "UID": remote_invoice.remote_id,
                    "AmountApplied": float(invoice.total),
                    "Type": "Invoice",
                }
            ],
        },
    )

    beat_pulls(myob)
    settle(qbo, xero, myob)

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.payments.get().source == "integration"
    assert (payments_in(qbo), payments_in(xero)) == payments_before
    sent_on = Change.objects.filter(kind="payment", integration__in=(qbo, xero))
    assert not sent_on.exclude(state="held_back").exists()


def test_myob_disconnected_and_reconnected_keeps_its_links_and_catches_up(three):
    org, (qbo, xero, myob) = three
    invoice, link = sent_to_all_three(three)

    integration_disconnect(integration=myob)
    invoice = invoice_update(invoice=invoice, lines=[LINE, LINE])
    settle(qbo, xero)
    assert totals(qbo, invoice.number) == totals(xero, invoice.number) == [invoice.total]

    company = SandboxCompany.objects.get(external_id=myob.remote_company_id)
    app = next(a for a in ensure_default_apps() if a.provider == "myob")
    token = token_issue(app=app, company=company, scope=SCOPES["myob"])
    myob = integration_connect(
        organisation=org,
        provider="myob",
        company=CompanyFacts(company.external_id, company.name, "AU", "AUD"),
        tokens=TokenSet(token.access_token, token.refresh_token, token.access_expires_at, None),
    )
    assert not myob.waiting_for_start  # the same company file resumes at once
    beat_pulls(myob)  # the first sync the reconnect queues
    settle(myob)

    assert Link.objects.get(pk=link.pk).remote_id == link.remote_id
    assert totals(myob, invoice.number) == [invoice.total]


@pytest.mark.parametrize("fault", ["429", "500", "503"])
def test_myob_failing_or_throttling_stops_neither_quickbooks_nor_xero(three, fault):
    """The sandbox answers an injected 429 in MYOB's own way: a 403 rate-limit error."""
    org, ledgers = three
    qbo, xero, myob = ledgers
    hub = Hub(org)
    fault_inject(company=myob.remote_company_id, kind=fault, count=100)
    invoices = [hub.invoice(hub.customer(f"Client {n}", f"c{n}@x.example")) for n in (1, 2)]

    drain(myob)  # MYOB fails first, and its rows wait for a later attempt
    settle(qbo, xero)

    for invoice in invoices:
        assert totals(qbo, invoice.number) == totals(xero, invoice.number) == [invoice.total]
        assert totals(myob, invoice.number) == []
    assert Change.objects.filter(integration=myob, state="pending").exists()

    SandboxFault.objects.filter(company__external_id=myob.remote_company_id).delete()
    settle(myob)

    for invoice in invoices:
        assert totals(myob, invoice.number) == [invoice.total]
    assert set(Change.objects.values_list("state", flat=True)) == {"done"}
