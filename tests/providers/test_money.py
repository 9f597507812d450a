"""Precision and cent-exact totals, one behaviour at a time (docs/money.md)."""

from __future__ import annotations

from decimal import Decimal

from apps.common.money import HUNDRED, ZERO, round_money
from apps.integrations.amounts import ROUNDING_DESCRIPTION
from apps.integrations.quickbooks import mapping as qbo_mapping
from apps.integrations.quickbooks import reading as qbo_reading
from apps.integrations.registry import adapter_for
from apps.integrations.xero import mapping as xero_mapping
from tests.providers import factories as f
from tests.providers.conftest import hub_invoice, pushed_customer

ITEMS = {"Services": {"value": "1", "name": "Services"}}
CA_CODES = qbo_mapping.TaxCodes(taxable="3", exempt="5")


def sales_lines(body: dict) -> list[dict]:
    return [line for line in body["Line"] if line["DetailType"] == "SalesItemLineDetail"]


def qbo_total(body: dict) -> Decimal:
    total = sum((line["Amount"] for line in sales_lines(body)), ZERO)
    total -= sum(
        (ln["Amount"] for ln in body["Line"] if ln["DetailType"] == "DiscountLineDetail"), ZERO
    )
    return total + body["TxnTaxDetail"]["TotalTax"]


def qbo_answer(lines: list[dict], **fields) -> dict:
    return {
        "Id": "130",
        "SyncToken": "0",
        "CustomerRef": {"value": "58"},
        "TxnDate": "2026-03-02",
        "Line": lines,
        "TotalAmt": 0,
        **fields,
    }


def qbo_line(amount, qty, price, code="TAX") -> dict:
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": amount,
        "Description": "Parts",
        "SalesItemLineDetail": {
            "ItemRef": {"value": "1", "name": "Services"},
            "Qty": qty,
            "UnitPrice": price,
            "TaxCodeRef": {"value": code},
        },
    }


# --- precision --------------------------------------------------------------------------


def test_quickbooks_seven_decimal_price_and_three_decimal_quantity_are_read_as_they_are():
    answer = qbo_answer([qbo_line(92.2, 13.5, 6.8296296), qbo_line(47.48, 2.375, 19.99)])
    read = qbo_reading.document_from_qbo(answer, "invoice")
    assert [(ln.quantity, ln.unit_price) for ln in read.lines] == [
        (Decimal("13.5"), Decimal("6.8296296")),
        (Decimal("2.375"), Decimal("19.99")),
    ]
    assert [ln.amount for ln in read.lines] == [Decimal("92.2"), Decimal("47.48")]


def canadian_body(invoice, lines, *, tax_codes=CA_CODES) -> dict:
    """The invoice as the QuickBooks mapping sends it to a Canadian company."""
    return qbo_mapping.document_to_qbo(
        invoice,
        lines,
        kind="invoice",
        region="ca",
        customer_remote_id="1",
        item_refs=ITEMS,
        tax_codes=tax_codes,
    )


def test_quickbooks_gets_the_hubs_seven_decimal_price_unchanged():
    lines = [f.line("Energy", "13.5", "6.8296296"), f.line("Parts", "2.375", "19.99")]
    invoice = f.invoice(lines, tax="5", currency="CAD")
    body = canadian_body(invoice, lines)
    details = [line["SalesItemLineDetail"] for line in sales_lines(body)]
    assert [(d["Qty"], d["UnitPrice"]) for d in details] == [
        (Decimal("13.5"), Decimal("6.8296296")),
        (Decimal("2.375"), Decimal("19.99")),
    ]
    assert [line["Amount"] for line in sales_lines(body)] == [Decimal("92.20"), Decimal("47.48")]
    assert invoice.subtotal == Decimal("139.68")


def test_xero_receives_four_decimal_prices_and_still_totals_the_hubs_amount(connect):
    integration, company = connect("xero", "CA")
    adapter = adapter_for(integration)
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(
        integration, customer, lines=[("Energy", "13.5", "6.8296296", "0", True)], tax="5"
    )
    pushed = adapter.push_invoice(
        invoice, None, customer_remote_id=contact.remote_id, key=f"inv-{invoice.pk}"
    )
    answer = adapter.client.get_one("Invoices", pushed.remote_id)
    first = answer["LineItems"][0]
    assert Decimal(str(first["UnitAmount"])) == Decimal("6.8296")  # not 6.83: unitdp=4 was sent
    assert Decimal(str(answer["Total"])) == invoice.total == Decimal("96.81")


# --- QuickBooks line arithmetic --------------------------------------------------------


def test_quickbooks_line_that_cannot_carry_its_amount_leaves_the_cent_on_a_rounding_line():
    # 250,000.5 kWh at 0.0123457 less 3 %: no 7-decimal price gives 2,993.84 on that quantity.
    lines = [f.line("Energy", "250000.5", "0.0123457", discount="3")]
    invoice = f.invoice(lines, tax="13", currency="CAD")
    body = canadian_body(invoice, lines, tax_codes=qbo_mapping.TaxCodes(taxable="4", exempt="5"))
    for line in sales_lines(body):
        detail = line["SalesItemLineDetail"]
        assert line["Amount"] == round_money(detail["Qty"] * detail["UnitPrice"])
    energy, rounding = sales_lines(body)
    assert energy["Amount"] == Decimal("2993.83")
    assert rounding["Description"] == ROUNDING_DESCRIPTION
    assert rounding["Amount"] == Decimal("0.01")
    # The rounding line is taxed like the line it belongs to, so the tax base is the hub's.
    assert rounding["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "4"}
    assert qbo_total(body) == invoice.total


def test_us_folded_prices_keep_quantity_times_price_on_every_line():
    lines = [
        f.line("Gutter clean", "3", "33.33", discount="7.5"),
        f.line("Energy", "250000.5", "0.0123457"),
    ]
    invoice = f.invoice(lines, discount="10", tax="5.5")
    body = qbo_mapping.document_to_qbo(
        invoice, lines, kind="invoice", region="us", customer_remote_id="1", item_refs=ITEMS
    )
    for line in sales_lines(body):
        detail = line["SalesItemLineDetail"]
        assert line["Amount"] == round_money(detail["Qty"] * detail["UnitPrice"])
    assert qbo_total(body) == invoice.total


# --- tax and discount read back ------------------------------------------------------


def test_canadian_exempt_code_that_is_not_non_reads_as_not_taxable(connect):
    integration, company = connect("quickbooks", "CA")
    adapter = adapter_for(integration)
    customer, pushed_customer_ = pushed_customer(adapter)
    invoice = hub_invoice(
        integration,
        customer,
        lines=[("Labour", "2", "80.00", "0", True), ("Permit", "1", "45.00", "0", False)],
        tax="5",
    )
    pushed = adapter.push_invoice(
        invoice, None, customer_remote_id=pushed_customer_.remote_id, key=f"inv-{invoice.pk}"
    )
    read = adapter.fetch("invoice", pushed.remote_id).record
    # The sandbox's Canadian company names its exempt code "Exempt" (id 5), not NON.
    assert [(ln.taxable, ln.tax_code) for ln in read.lines] == [(True, "3"), (False, "5")]
    assert read.tax_rate == Decimal("5")
    assert (read.tax_total, read.total) == (invoice.tax_total, invoice.total)


def test_a_discount_quickbooks_holds_as_an_amount_reads_back_as_the_hubs_percentage():
    # Lines of 71.10 and 42.00 (113.10); 10 % off is 11.31 (not 7.11 % of a wrong base).
    answer = qbo_answer(
        [
            qbo_line(71.1, 1, 79, code="3"),
            qbo_line(42, 2, 21, code="5"),
            {
                "DetailType": "DiscountLineDetail",
                "Amount": 11.31,
                "DiscountLineDetail": {"PercentBased": False},
            },
        ],
        ApplyTaxAfterDiscount=True,
    )
    read = qbo_reading.document_from_qbo(answer, "invoice", zero_rated={"5"})
    assert read.discount_percent == Decimal("10")
    assert [ln.taxable for ln in read.lines] == [True, False]


def test_canadian_document_discount_is_sent_as_a_percentage_taken_before_tax():
    lines = [f.line("Labour", "1", "79.00", discount="10"), f.line("Permit", "2", "21.00")]
    invoice = f.invoice(lines, discount="10", tax="5", currency="CAD")
    body = canadian_body(invoice, lines)
    discount = body["Line"][-1]
    assert discount["DiscountLineDetail"] == {
        "PercentBased": True,
        "DiscountPercent": Decimal("10"),
    }
    assert discount["Amount"] == Decimal("11.31")
    assert body["ApplyTaxAfterDiscount"] is True
    assert qbo_total(body) == invoice.total


# --- Xero tax ------------------------------------------------------------------------


def test_xero_tax_matches_the_hubs_through_each_lines_tax_amount_without_a_rounding_line():
    # Per line, 8.875 % of 3.35 three times rounds to 0.30 each (0.90); the hub's 0.89 is
    # 8.875 % of 10.05 rounded once.
    lines = [f.line("Washer", "1", "3.35") for _ in range(3)]
    invoice = f.invoice(lines, tax="8.875")
    types = xero_mapping.TaxTypes(taxable="OUTPUT", taxable_rate=Decimal("8.875"), exempt="NONE")
    body = xero_mapping.document_to_xero(
        invoice, lines, kind="invoice", contact_id="c1", tax_types=types, account_code="200"
    )
    items = body["LineItems"]
    assert [item["Description"] for item in items] == ["Washer"] * 3  # no Rounding line
    per_line = sum((round_money(Decimal("3.35") * Decimal("8.875") / HUNDRED) for _ in items), ZERO)
    assert per_line == Decimal("0.90")
    assert sum((item["TaxAmount"] for item in items), ZERO) == invoice.tax_total
    assert invoice.tax_total == Decimal("0.89")
