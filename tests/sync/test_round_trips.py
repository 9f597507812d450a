"""Round trips through QuickBooks Online (US, Canada, Global, Australia) and Xero, over real
HTTP: a change made in a ledger reaches the hub as that change, never as a rewrite of the
invoice, and the hub, QuickBooks and Xero keep the same totals to the cent
(docs/round-trips.md)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.common.lines import LineInput
from apps.common.money import line_amount
from apps.customers.services import customer_create
from apps.integrations.quickbooks.client import QuickBooksClient
from apps.integrations.registry import adapter_for
from apps.integrations.xero.client import XeroClient
from apps.invoices.models import Invoice
from apps.invoices.services import invoice_create, invoice_send
from apps.sandbox.control import fault_inject
from apps.sync.exchanged import difference
from apps.sync.models import Change, Link, SyncLogEntry
from apps.sync.pull import pull
from tests.factories import OrganisationFactory
from tests.sync.test_end_to_end import drain_until_done

pytestmark = pytest.mark.django_db(transaction=True)

# Country, currency and a sales tax rate each sandbox company has (US: any rate, sent folded).
REGIONS = {
    "us": ("US", "USD", Decimal("5.5")),
    "canada": ("CA", "CAD", Decimal("5")),
    "global": ("GB", "GBP", Decimal("5")),
    "australia": ("AU", "AUD", Decimal("10")),
}


def connect_both(sandboxes, region: str):
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    country, currency, _ = REGIONS[region]
    org = OrganisationFactory(name=f"Harbour {region}", country=country, currency=currency)
    return org, tuple(
        sandbox_integration_connect(organisation=org, provider=provider, nightly=False)
        for provider in ("quickbooks", "xero")
    )


def invoice_with_tax_and_discounts(org, tax_rate: Decimal) -> Invoice:
    """Tax, a 10 % invoice discount and a 5 % line discount, as the user first tried it."""
    customer = customer_create(
        organisation=org, given_name="Nick", family_name="Brown", email="nick@example.com"
    )
    lines = [
        LineInput(
            description="Boiler service",
            quantity=Decimal("3"),
            unit_price=Decimal("412.50"),
            discount_percent=Decimal("5"),
        ),
        LineInput(description="Valve", quantity=Decimal("2"), unit_price=Decimal("189.99")),
    ]
    today = timezone.localdate()
    invoice = invoice_create(
        organisation=org,
        lines=lines,
        customer=customer,
        issue_date=today,
        due_date=today + timedelta(days=14),
        currency=org.currency,
        discount_percent=Decimal("10"),
        tax_rate=tax_rate,
    )
    return invoice_send(invoice=invoice)


def sent_everywhere(sandboxes, region: str):
    org, (qbo, xero) = connect_both(sandboxes, region)
    invoice = invoice_with_tax_and_discounts(org, REGIONS[region][2])
    drain_until_done(qbo), drain_until_done(xero)
    return invoice, qbo, xero


def remote_id(integration, invoice) -> str:
    return Link.objects.get(integration=integration, kind="invoice", object_id=invoice.pk).remote_id


def qbo_invoice(qbo, invoice) -> dict:
    return QuickBooksClient(qbo).read("Invoice", remote_id(qbo, invoice))


def xero_invoice(xero, invoice) -> dict:
    return XeroClient(xero).get_one("Invoices", remote_id(xero, invoice))


def totals_everywhere(invoice, qbo, xero) -> tuple[Decimal, Decimal, Decimal]:
    invoice.refresh_from_db()
    return (
        invoice.total,
        Decimal(str(qbo_invoice(qbo, invoice)["TotalAmt"])),
        Decimal(str(xero_invoice(xero, invoice)["Total"])),
    )


def in_quickbooks_change_quantity(qbo, invoice, *, position: int, quantity: Decimal) -> None:
    """A bookkeeper changes one line's quantity in QuickBooks (it keeps Amount = Qty × UnitPrice,
    error 6070 otherwise)."""
    client = QuickBooksClient(qbo)
    data = qbo_invoice(qbo, invoice)
    line = [ln for ln in data["Line"] if ln.get("DetailType") == "SalesItemLineDetail"][position]
    detail = line["SalesItemLineDetail"]
    detail["Qty"] = float(quantity)
    line["Amount"] = float(line_amount(quantity, Decimal(str(detail["UnitPrice"]))))
    client.update("Invoice", data)


def settle(invoice, qbo, xero) -> None:
    """Pull from QuickBooks, then let every outbox drain (the hub's fan-out)."""
    pull(qbo)
    drain_until_done(xero), drain_until_done(qbo)


def hub_keeps_its_structure(invoice, tax_rate) -> None:
    invoice.refresh_from_db()
    lines = list(invoice.lines.all())
    assert invoice.tax_rate == tax_rate
    assert invoice.discount_percent == Decimal("10")
    assert lines[0].discount_percent == Decimal("5")
    assert [line.taxable for line in lines] == [True, True]


@pytest.mark.parametrize("region", ["us", "canada", "global", "australia"])
def test_quantity_changed_in_quickbooks_keeps_hub_tax_rate_and_both_discounts(sandboxes, region):
    invoice, qbo, xero = sent_everywhere(sandboxes, region)
    pull(qbo)  # the first full scan, which brings the sample company's customers in
    in_quickbooks_change_quantity(qbo, invoice, position=1, quantity=Decimal("3"))
    settle(invoice, qbo, xero)
    hub_keeps_its_structure(invoice, REGIONS[region][2])
    assert [line.quantity for line in invoice.lines.all()] == [Decimal("3"), Decimal("3")]
    hub, in_qbo, in_xero = totals_everywhere(invoice, qbo, xero)
    assert hub == in_qbo == in_xero
    assert Decimal(str(xero_invoice(xero, invoice)["LineItems"][1]["Quantity"])) == 3


@pytest.mark.parametrize("region", ["us", "canada", "global", "australia"])
def test_payment_recorded_in_quickbooks_changes_only_what_is_paid(sandboxes, region):
    invoice, qbo, xero = sent_everywhere(sandboxes, region)
    pull(qbo)
    customer = Link.objects.get(integration=qbo, kind="customer", object_id=invoice.customer_id)
    QuickBooksClient(qbo).create(
        "Payment",
        {
            "CustomerRef": {"value": customer.remote_id},
            "TotalAmt": 500.0,
            "Line": [
                {
                    "Amount": 500.0,
                    "LinkedTxn": [{"TxnId": remote_id(qbo, invoice), "TxnType": "Invoice"}],
                }
            ],
        },
        key=f"test-payment-{region}",
    )
    before = invoice.total
    sent_to_xero = Change.objects.filter(integration=xero, kind="invoice").count()
    settle(invoice, qbo, xero)
    hub_keeps_its_structure(invoice, REGIONS[region][2])
    assert invoice.amount_paid == Decimal("500.00")
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert totals_everywhere(invoice, qbo, xero) == (before, before, before)
    assert Change.objects.filter(integration=xero, kind="invoice").count() == sent_to_xero


def test_line_added_in_xero_reaches_the_hub_and_quickbooks_with_equal_totals(sandboxes):
    invoice, qbo, xero = sent_everywhere(sandboxes, "us")
    pull(xero)
    data = xero_invoice(xero, invoice)
    taxed = data["LineItems"][0]
    data["LineItems"].append(
        {
            "Description": "Extra fitting",
            "Quantity": 1,
            "UnitAmount": 40,
            "AccountCode": taxed["AccountCode"],
            "TaxType": taxed["TaxType"],
        }
    )
    XeroClient(xero).update("Invoices", data["InvoiceID"], {"LineItems": data["LineItems"]})
    pull(xero)
    drain_until_done(qbo), drain_until_done(xero)
    hub_lines = list(Invoice.objects.get(pk=invoice.pk).lines.all())
    assert [line.description for line in hub_lines][-1] == "Extra fitting"
    assert hub_lines[-1].unit_price == Decimal("40") and hub_lines[-1].taxable
    hub_keeps_its_structure_with(invoice, lines=3)
    hub, in_qbo, in_xero = totals_everywhere(invoice, qbo, xero)
    assert hub == in_qbo == in_xero


def test_first_line_deleted_in_xero_removes_that_line_and_keeps_the_other_intact(sandboxes):
    invoice, qbo, xero = sent_everywhere(sandboxes, "us")
    pull(xero)
    data = xero_invoice(xero, invoice)
    kept = [line for line in data["LineItems"] if line["Description"] != "Boiler service"]
    XeroClient(xero).update("Invoices", data["InvoiceID"], {"LineItems": kept})
    pull(xero)
    drain_until_done(qbo), drain_until_done(xero)
    invoice.refresh_from_db()
    [valve] = invoice.lines.all()
    assert (valve.description, valve.quantity, valve.unit_price) == ("Valve", 2, Decimal("189.99"))
    assert valve.discount_percent == 0 and valve.taxable
    assert invoice.tax_rate == Decimal("5.5") and invoice.discount_percent == Decimal("10")
    hub, in_qbo, in_xero = totals_everywhere(invoice, qbo, xero)
    assert hub == in_qbo == in_xero


def hub_keeps_its_structure_with(invoice, *, lines: int) -> None:
    invoice.refresh_from_db()
    assert invoice.tax_rate == Decimal("5.5") and invoice.discount_percent == Decimal("10")
    assert invoice.lines.count() == lines
    assert invoice.lines.first().discount_percent == Decimal("5")


def test_due_date_changed_in_quickbooks_is_the_only_change_in_the_hub_and_in_xero(sandboxes):
    invoice, qbo, xero = sent_everywhere(sandboxes, "us")
    pull(qbo)
    data = qbo_invoice(qbo, invoice)
    later = invoice.due_date + timedelta(days=16)
    data["DueDate"] = later.isoformat()
    QuickBooksClient(qbo).update("Invoice", data)
    before = invoice.total
    settle(invoice, qbo, xero)
    hub_keeps_its_structure_with(invoice, lines=2)
    assert invoice.due_date == later
    assert xero_invoice(xero, invoice)["DueDate"].startswith(later.isoformat()) or (
        later.isoformat() in str(xero_invoice(xero, invoice)["DueDateString"])
    )
    assert totals_everywhere(invoice, qbo, xero) == (before, before, before)


def test_folded_price_edited_in_quickbooks_us_becomes_a_visible_adjustment_line(sandboxes):
    invoice, qbo, xero = sent_everywhere(sandboxes, "us")
    pull(qbo)
    data = qbo_invoice(qbo, invoice)
    line = data["Line"][0]
    line["SalesItemLineDetail"]["UnitPrice"] = 400.0
    line["SalesItemLineDetail"]["Qty"] = 3.0
    line["Amount"] = 1200.0
    QuickBooksClient(qbo).update("Invoice", data)
    settle(invoice, qbo, xero)
    hub_keeps_its_structure_with(invoice, lines=3)
    adjustment = list(invoice.lines.all())[-1]
    assert adjustment.description == "Adjustment to match QuickBooks Online"
    assert not adjustment.taxable
    hub, in_qbo, in_xero = totals_everywhere(invoice, qbo, xero)
    assert hub == in_qbo == in_xero
    entry = SyncLogEntry.objects.get(integration=qbo, direction="pull", object_id=invoice.pk)
    assert "price of line 1" in entry.message and "adjustment line" in entry.message


def test_hub_invoice_read_back_from_xero_after_a_429_is_no_change_and_goes_nowhere(sandboxes):
    org, (qbo, xero) = connect_both(sandboxes, "us")
    fault_inject(company=xero.remote_company_id, kind="429", count=1, path_contains="Invoices")
    invoice = invoice_with_tax_and_discounts(org, Decimal("5.5"))
    drain_until_done(qbo), drain_until_done(xero)
    # Xero stamps a newer UpdatedDateUTC on the invoice without any change to it.
    XeroClient(xero).update("Invoices", remote_id(xero, invoice), {"Reference": ""})
    pushed_to_qbo = Change.objects.filter(integration=qbo, kind="invoice").count()
    pull(xero)
    assert not SyncLogEntry.objects.filter(
        integration=xero, direction="pull", object_id=invoice.pk
    ).exists()
    assert Change.objects.filter(integration=qbo, kind="invoice").count() == pushed_to_qbo
    hub_keeps_its_structure_with(invoice, lines=2)


@pytest.mark.parametrize("region", ["us", "canada", "global", "australia"])
def test_invoice_read_back_unedited_differs_in_no_field(sandboxes, region):
    invoice, qbo, xero = sent_everywhere(sandboxes, region)
    for integration in (qbo, xero):
        link = Link.objects.get(integration=integration, kind="invoice", object_id=invoice.pk)
        read = adapter_for(integration).fetch("invoice", link.remote_id).record
        assert not difference(link.exchanged, read), integration.provider


def test_quote_quantity_changed_in_xero_keeps_hub_discounts_and_reaches_quickbooks(sandboxes):
    from apps.quotes.models import Quote
    from apps.quotes.services import quote_create, quote_send

    org, (qbo, xero) = connect_both(sandboxes, "us")
    invoice = invoice_with_tax_and_discounts(org, Decimal("5.5"))  # its customer and lines
    quote = quote_create(
        organisation=org,
        lines=[
            LineInput(
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
            )
            for line in invoice.lines.all()
        ],
        customer=invoice.customer,
        issue_date=timezone.localdate(),
        currency=org.currency,
        discount_percent=Decimal("10"),
        tax_rate=Decimal("5.5"),
    )
    quote_send(quote=quote)
    drain_until_done(qbo), drain_until_done(xero)
    pull(xero)
    link = Link.objects.get(integration=xero, kind="quote", object_id=quote.pk)
    data = XeroClient(xero).get_one("Quotes", link.remote_id)
    data["LineItems"][0]["Quantity"] = 5
    XeroClient(xero).update(
        "Quotes",
        link.remote_id,
        {
            "Contact": {"ContactID": data["Contact"]["ContactID"]},
            "Date": timezone.localdate().isoformat(),
            "LineItems": data["LineItems"],
        },
    )
    pull(xero)
    drain_until_done(qbo), drain_until_done(xero)
    quote = Quote.objects.get(pk=quote.pk)
    lines = list(quote.lines.all())
    assert [line.quantity for line in lines] == [Decimal("5"), Decimal("2")]
    assert lines[0].discount_percent == Decimal("5") and quote.discount_percent == Decimal("10")
    assert quote.tax_rate == Decimal("5.5")
    estimate_id = Link.objects.get(integration=qbo, kind="quote", object_id=quote.pk).remote_id
    estimate = QuickBooksClient(qbo).read("Estimate", estimate_id)
    in_xero = XeroClient(xero).get_one("Quotes", link.remote_id)
    assert quote.total == Decimal(str(estimate["TotalAmt"])) == Decimal(str(in_xero["Total"]))


def test_quote_priced_to_seven_decimals_reads_back_from_xero_as_no_change(sandboxes):
    from apps.quotes.models import Quote
    from apps.quotes.services import quote_create, quote_send

    org, (qbo, xero) = connect_both(sandboxes, "us")
    customer = customer_create(organisation=org, given_name="Ann", family_name="Fixit")
    quote = quote_create(
        organisation=org,
        lines=[
            LineInput(
                description="Copper pipe", quantity=Decimal("13.5"), unit_price=Decimal("6.8296296")
            )
        ],
        customer=customer,
        issue_date=timezone.localdate(),
        currency=org.currency,
        tax_rate=Decimal("5.5"),
    )
    quote_send(quote=quote)
    drain_until_done(xero)
    link = Link.objects.get(integration=xero, kind="quote", object_id=quote.pk)
    in_xero = XeroClient(xero).get_one("Quotes", link.remote_id)
    # Xero keeps a quote's unit amount to 2 decimals; the Rounding line keeps the hub's total.
    assert [ln["UnitAmount"] for ln in in_xero["LineItems"]] == [6.83, -0.01]
    assert Decimal(str(in_xero["Total"])) == quote.total
    read = adapter_for(xero).fetch("quote", link.remote_id).record
    assert not difference(link.exchanged, read)
    pull(xero)
    assert not SyncLogEntry.objects.filter(
        integration=xero, direction="pull", object_id=quote.pk
    ).exists()
    assert Quote.objects.get(pk=quote.pk).lines.get().unit_price == Decimal("6.8296296")
