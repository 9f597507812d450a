"""An Australian organisation with QuickBooks Online Australia and Xero Australia connected at
once, over real HTTP: an invoice with GST and GST-free lines made in either ledger reaches the
other through the hub, once, with the same total to the cent and the same lines taxed
(docs/round-trips.md, docs/money.md)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.integrations.quickbooks.client import QuickBooksClient
from apps.integrations.xero.client import XeroClient
from apps.invoices.models import Invoice
from apps.sync.models import Change, Link
from apps.sync.pull import pull
from tests.sandbox.test_qbo_australia import sales_lines
from tests.sync.test_end_to_end import drain_until_done
from tests.sync.test_round_trips import connect_both, qbo_invoice, xero_invoice

pytestmark = pytest.mark.django_db(transaction=True)


def _settle(*integrations) -> None:
    for integration in integrations:
        drain_until_done(integration)


def _in(integration, invoice: Invoice) -> int:
    return Link.objects.filter(
        integration=integration, kind="invoice", object_id=invoice.pk
    ).count()


def test_invoice_made_in_xero_australia_reaches_quickbooks_australia_with_the_same_gst(sandboxes):
    org, (qbo, xero) = connect_both(sandboxes, "australia")
    client = XeroClient(xero)
    contact = client.create(
        "Contacts",
        {"Name": "Bondi Cafe", "EmailAddress": "accounts@bondicafe.example.com"},
        key="au-contact-bondi",
    )
    today = timezone.localdate()
    created = client.create(
        "Invoices",
        {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact["ContactID"]},
            "InvoiceNumber": "AU-7001",
            "Date": today.isoformat(),
            "DueDate": (today + timedelta(days=14)).isoformat(),
            "Status": "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "LineItems": [
                {
                    "Description": "Grease trap pump-out",
                    "Quantity": 1,
                    "UnitAmount": 385,
                    "AccountCode": "200",
                    "TaxType": "OUTPUT",
                },
                {
                    "Description": "Council trade waste fee",
                    "Quantity": 1,
                    "UnitAmount": 62.4,
                    "AccountCode": "200",
                    "TaxType": "EXEMPTOUTPUT",
                },
            ],
        },
        key="au-invoice-7001",
    )
    assert Decimal(str(created["TotalTax"])) == Decimal("38.50")
    pull(xero)
    invoice = Invoice.objects.get(organisation=org, number="AU-7001")
    assert invoice.tax_rate == Decimal("10")
    assert [line.taxable for line in invoice.lines.all()] == [True, False]
    assert invoice.total == Decimal(str(created["Total"])) == Decimal("485.90")
    _settle(qbo, xero)
    in_quickbooks = qbo_invoice(qbo, invoice)
    assert Decimal(str(in_quickbooks["TotalAmt"])) == invoice.total
    assert Decimal(str(in_quickbooks["TxnTaxDetail"]["TotalTax"])) == Decimal("38.50")
    assert _in(qbo, invoice) == 1
    # Never sent back to the ledger it came from (no echo).
    assert not Change.objects.filter(integration=xero, kind="invoice").exists()


def test_invoice_made_in_quickbooks_australia_reaches_xero_australia_with_the_same_gst(sandboxes):
    org, (qbo, xero) = connect_both(sandboxes, "australia")
    pull(qbo)  # the first full scan, which brings the sample company's records in
    client = QuickBooksClient(qbo)
    customer = client.create(
        "Customer",
        {
            "DisplayName": "Manly Surf Club",
            "PrimaryEmailAddr": {"Address": "club@manly.example.com"},
        },
        key="au-customer-manly",
    )
    codes = {c["Name"]: c["Id"] for c in client.query("select * from TaxCode")}
    lines = [(2, 148.5, codes["GST"]), (1, 30, codes["GST free"])]
    created = client.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": "AU-8001",
            "GlobalTaxCalculation": "TaxExcluded",
            "Line": sales_lines(lines),
        },
        key="au-invoice-8001",
    )
    assert Decimal(str(created["TotalAmt"])) == Decimal("356.70")
    pull(qbo)
    invoice = Invoice.objects.get(organisation=org, number="AU-8001")
    assert invoice.tax_rate == Decimal("10")
    assert [line.taxable for line in invoice.lines.all()] == [True, False]
    assert invoice.total == Decimal("356.70")
    _settle(xero, qbo)
    in_xero = xero_invoice(xero, invoice)
    assert Decimal(str(in_xero["Total"])) == invoice.total
    assert Decimal(str(in_xero["TotalTax"])) == Decimal("29.70")
    assert [line["TaxType"] for line in in_xero["LineItems"]][:2] == ["OUTPUT", "EXEMPTOUTPUT"]
    assert _in(xero, invoice) == 1
    assert not Change.objects.filter(integration=qbo, kind="invoice").exists()


def test_australian_demo_invoice_lands_once_in_quickbooks_and_xero_with_the_same_total(
    sandboxes,
):
    from django.core.management import call_command

    from apps.accounts.models import Organisation
    from apps.common.lines import LineInput
    from apps.home import demo_australia
    from apps.invoices.services import invoice_create, invoice_send

    call_command("seed_demo")
    org = Organisation.objects.get(name=demo_australia.ORGANISATION)
    qbo, xero = (org.integrations.get(provider=name) for name in ("quickbooks", "xero"))
    customer = org.customers.order_by("id").first()
    today = timezone.localdate()
    invoice = invoice_send(
        invoice=invoice_create(
            organisation=org,
            customer=customer,
            issue_date=today,
            due_date=today + timedelta(days=14),
            currency="AUD",
            tax_rate=Decimal("10"),
            lines=[
                LineInput(
                    description="Leak detection",
                    quantity=Decimal("1.5"),
                    unit_price=Decimal("142.35"),
                ),
                LineInput(
                    description="Council inspection fee",
                    quantity=Decimal("1"),
                    unit_price=Decimal("96.40"),
                    taxable=False,
                ),
            ],
        )
    )
    _settle(qbo, xero)
    assert (_in(qbo, invoice), _in(xero, invoice)) == (1, 1)
    in_quickbooks, in_xero = qbo_invoice(qbo, invoice), xero_invoice(xero, invoice)
    assert Decimal(str(in_quickbooks["TotalAmt"])) == invoice.total
    assert Decimal(str(in_xero["Total"])) == invoice.total
    assert Decimal(str(in_xero["TotalTax"])) == invoice.tax_total == Decimal("21.35")


def test_tax_inclusive_invoice_made_in_quickbooks_australia_keeps_its_total_everywhere(
    sandboxes,
):
    """Australian bookkeepers price GST-inclusive: 110.00 with GST is 100.00 + 10.00 of GST."""
    org, (qbo, xero) = connect_both(sandboxes, "australia")
    pull(qbo)
    client = QuickBooksClient(qbo)
    customer = client.create("Customer", {"DisplayName": "Coogee Bakery"}, key="au-c-coogee")
    codes = {c["Name"]: c["Id"] for c in client.query("select * from TaxCode")}
    created = client.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": "AU-9001",
            "GlobalTaxCalculation": "TaxInclusive",
            "Line": sales_lines(
                [(1, 110.0, codes["GST"]), (3, 38.5, codes["GST"]), (1, 50.0, codes["GST free"])]
            ),
        },
        key="au-invoice-9001",
    )
    assert Decimal(str(created["TotalAmt"])) == Decimal("275.50")
    assert Decimal(str(created["TxnTaxDetail"]["TotalTax"])) == Decimal("20.50")
    pull(qbo)
    invoice = Invoice.objects.get(organisation=org, number="AU-9001")
    assert [line.unit_price for line in invoice.lines.all()] == [
        Decimal("100"),
        Decimal("35"),
        Decimal("50"),
    ]
    assert (invoice.tax_total, invoice.total) == (Decimal("20.50"), Decimal("275.50"))
    _settle(xero, qbo)
    in_xero = xero_invoice(xero, invoice)
    assert Decimal(str(in_xero["Total"])) == invoice.total
    assert Decimal(str(in_xero["TotalTax"])) == Decimal("20.50")
    assert Decimal(str(qbo_invoice(qbo, invoice)["TotalAmt"])) == invoice.total
    assert not Change.objects.filter(integration=qbo, kind="invoice").exists()


def test_tax_inclusive_invoice_made_in_xero_australia_keeps_its_total_everywhere(sandboxes):
    org, (qbo, xero) = connect_both(sandboxes, "australia")
    client = XeroClient(xero)
    contact = client.create("Contacts", {"Name": "Glebe Dental"}, key="au-contact-glebe")
    created = client.create(
        "Invoices",
        {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact["ContactID"]},
            "InvoiceNumber": "AU-9101",
            "Date": timezone.localdate().isoformat(),
            "Status": "AUTHORISED",
            "LineAmountTypes": "Inclusive",
            "LineItems": [
                {
                    "Description": "Tap washer replacement",
                    "Quantity": 2,
                    "UnitAmount": 88,
                    "AccountCode": "200",
                    "TaxType": "OUTPUT",
                },
                {
                    "Description": "Council inspection fee",
                    "Quantity": 1,
                    "UnitAmount": 96.4,
                    "AccountCode": "200",
                    "TaxType": "EXEMPTOUTPUT",
                },
            ],
        },
        key="au-invoice-9101",
    )
    assert Decimal(str(created["Total"])) == Decimal("272.40")
    assert Decimal(str(created["TotalTax"])) == Decimal("16.00")
    pull(xero)
    invoice = Invoice.objects.get(organisation=org, number="AU-9101")
    assert [line.unit_price for line in invoice.lines.all()] == [Decimal("80"), Decimal("96.4")]
    assert (invoice.tax_total, invoice.total) == (Decimal("16.00"), Decimal("272.40"))
    _settle(qbo, xero)
    in_quickbooks = qbo_invoice(qbo, invoice)
    assert Decimal(str(in_quickbooks["TotalAmt"])) == invoice.total
    assert Decimal(str(in_quickbooks["TxnTaxDetail"]["TotalTax"])) == Decimal("16.00")
    assert not Change.objects.filter(integration=xero, kind="invoice").exists()
