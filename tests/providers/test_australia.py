"""An Australian organisation's invoices through the QuickBooks and Xero adapters, over HTTP to
Australian sandbox companies: GST at 10 % on taxable lines, GST free on exempt ones, the same
totals to the cent in the hub, QuickBooks and Xero (docs/money.md)."""

from __future__ import annotations

from decimal import Decimal

from apps.integrations.registry import adapter_for
from tests.factories import PaymentFactory
from tests.providers.conftest import hub_invoice, pushed_customer, written

LINES = [
    ("Hot water system service", "3", "137.50", "5", True),
    ("Council permit", "1", "45.00", "0", False),
    ("Parts", "2.5", "12.47", "0", True),
]


def _pushed_invoice(adapter, *, tax: str, discount: str = "0"):
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(adapter.integration, customer, lines=LINES, tax=tax, discount=discount)
    pushed = adapter.push_invoice(
        invoice, None, customer_remote_id=contact.remote_id, key=f"au-{invoice.pk}"
    )
    return invoice, pushed


def test_quickbooks_australia_taxes_lines_with_gst_and_exempt_lines_with_gst_free(connect):
    integration, company = connect("quickbooks", "AU")
    assert integration.region == "global"
    adapter = adapter_for(integration)
    invoice, pushed = _pushed_invoice(adapter, tax="10", discount="10")
    stored = written(company, "Invoice").get(record_id=pushed.remote_id).data
    codes = [
        line["SalesItemLineDetail"]["TaxCodeRef"]["value"]
        for line in stored["Line"]
        if line["DetailType"] == "SalesItemLineDetail"
    ]
    assert codes == ["10", "11", "10"]  # GST, GST free, GST
    assert stored["GlobalTaxCalculation"] == "TaxExcluded"
    assert Decimal(str(stored["TxnTaxDetail"]["TotalTax"])) == invoice.tax_total
    assert Decimal(str(stored["TotalAmt"])) == invoice.total
    read = adapter.fetch("invoice", pushed.remote_id).record
    assert [line.taxable for line in read.lines] == [True, False, True]
    assert (read.tax_rate, read.tax_total, read.total) == (
        Decimal("10"),
        invoice.tax_total,
        invoice.total,
    )


def test_quickbooks_australia_invoice_without_gst_sends_every_line_gst_free(connect):
    integration, company = connect("quickbooks", "AU")
    adapter = adapter_for(integration)
    invoice, pushed = _pushed_invoice(adapter, tax="0")
    stored = written(company, "Invoice").get(record_id=pushed.remote_id).data
    codes = {
        line["SalesItemLineDetail"]["TaxCodeRef"]["value"]
        for line in stored["Line"]
        if line["DetailType"] == "SalesItemLineDetail"
    }
    assert codes == {"11"}
    assert Decimal(str(stored["TotalAmt"])) == invoice.total


def test_quickbooks_australia_payment_without_an_invoice_is_a_gst_free_sales_receipt(connect):
    integration, company = connect("quickbooks", "AU")
    adapter = adapter_for(integration)
    customer, contact = pushed_customer(adapter)
    payment = PaymentFactory(invoice=None, customer=customer, amount=Decimal("88.00"))
    pushed = adapter.push_payment(
        payment, customer_remote_id=contact.remote_id, invoice_remote_id=None, key="au-sr"
    )
    receipt = written(company, "SalesReceipt").get(record_id=pushed.remote_id.split("/")[1])
    (line,) = [ln for ln in receipt.data["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert line["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "11"
    assert Decimal(str(receipt.data["TotalAmt"])) == Decimal("88.00")


def test_xero_australia_sends_gst_on_income_and_gst_free_income(connect):
    integration, company = connect("xero", "AU")
    adapter = adapter_for(integration)
    invoice, pushed = _pushed_invoice(adapter, tax="10", discount="10")
    stored = next(r.data for r in written(company, "Invoices") if r.record_id == pushed.remote_id)
    types = [line["TaxType"] for line in stored["LineItems"]]
    assert types[:3] == ["OUTPUT", "EXEMPTOUTPUT", "OUTPUT"]
    assert Decimal(str(stored["TotalTax"])) == invoice.tax_total
    assert Decimal(str(stored["Total"])) == invoice.total
    read = adapter.fetch("invoice", pushed.remote_id).record
    assert [line.taxable for line in read.lines] == [True, False, True]
    assert read.total == invoice.total


def test_xero_australia_invoice_without_gst_is_gst_free_income_throughout(connect):
    integration, company = connect("xero", "AU")
    adapter = adapter_for(integration)
    invoice, pushed = _pushed_invoice(adapter, tax="0")
    stored = next(r.data for r in written(company, "Invoices") if r.record_id == pushed.remote_id)
    assert {line["TaxType"] for line in stored["LineItems"]} == {"EXEMPTOUTPUT"}
    assert Decimal(str(stored["Total"])) == invoice.total
