from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.common.money import round_money
from apps.integrations.contract import PermanentError, TransientError
from apps.integrations.quickbooks import mapping, reading
from tests.providers import factories as f

ITEMS = {
    "Services": {"value": "1", "name": "Services"},
    "Gutter clean": {"value": "7", "name": "Gutter clean"},
}


def qbo_total(body: dict) -> Decimal:
    """What QuickBooks adds up: sales lines, less discount lines, plus the tax."""
    total = Decimal("0")
    for line in body["Line"]:
        if line["DetailType"] == "SalesItemLineDetail":
            total += line["Amount"]
        elif line["DetailType"] == "DiscountLineDetail":
            total -= line["Amount"]
    return total + body["TxnTaxDetail"]["TotalTax"]


def awkward_invoice():
    """Line and document discounts and a tax rate whose per-line rounding drifts."""
    lines = [
        f.line("Gutter clean", "3", "33.33", discount="7.5", item="Gutter clean"),
        f.line("Call-out", "1", "19.99", taxable=False),
        f.line("Parts", "2.5", "12.47", discount="2.25"),
    ]
    return f.invoice(lines, discount="4.75", tax="8.875"), lines


def test_us_invoice_folds_discounts_and_tax_into_prices_and_keeps_the_hub_total():
    invoice, lines = awkward_invoice()
    body = mapping.document_to_qbo(
        invoice, lines, kind="invoice", region="us", customer_remote_id="58", item_refs=ITEMS
    )
    assert qbo_total(body) == invoice.total
    assert all(line["DetailType"] == "SalesItemLineDetail" for line in body["Line"])
    assert {line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in body["Line"]} == {"NON"}
    assert body["TxnTaxDetail"]["TotalTax"] == 0
    first = body["Line"][0]
    assert first["SalesItemLineDetail"]["ItemRef"] == {"value": "7", "name": "Gutter clean"}
    assert first["SalesItemLineDetail"]["Qty"] == Decimal("3")
    # The folded unit price times the quantity is the line amount, to the cent.
    for line in body["Line"]:
        detail = line["SalesItemLineDetail"]
        assert round_money(detail["UnitPrice"] * detail["Qty"]) == line["Amount"]
    assert "GlobalTaxCalculation" not in body


@pytest.mark.parametrize("region", ["ca", "global"])
def test_other_regions_send_discount_and_tax_as_separate_fields(region):
    invoice, lines = awkward_invoice()
    codes = mapping.TaxCodes(taxable="5", exempt="9")
    body = mapping.document_to_qbo(
        invoice,
        lines,
        kind="invoice",
        region=region,
        customer_remote_id="58",
        item_refs=ITEMS,
        tax_codes=codes,
    )
    assert qbo_total(body) == invoice.total
    sales = [line for line in body["Line"] if line["DetailType"] == "SalesItemLineDetail"]
    # A line discount is folded into that line's price (QBO has no per-line discount) ...
    prices = [line["SalesItemLineDetail"]["UnitPrice"] for line in sales]
    assert prices[1] == Decimal("19.99")
    assert prices[0] == Decimal("30.8300000")  # 33.33 less 7.5%
    assert [line["Amount"] for line in sales] == [
        Decimal("92.49"),
        Decimal("19.99"),
        Decimal("30.47"),
    ]
    assert [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in sales] == ["5", "9", "5"]
    # ... and the document discount is its own line, so the tax base stays the hub's.
    discount = [line for line in body["Line"] if line["DetailType"] == "DiscountLineDetail"]
    # The hub rounds 4.75 % of the lines' 142.95 once, as QuickBooks does: a percentage.
    assert discount[0]["Amount"] == Decimal("6.79")
    assert discount[0]["DiscountLineDetail"] == {
        "PercentBased": True,
        "DiscountPercent": Decimal("4.75"),
    }
    tax = body["TxnTaxDetail"]
    assert tax["TotalTax"] == invoice.tax_total
    assert tax["TxnTaxCodeRef"] == {"value": "5"}
    assert body["GlobalTaxCalculation"] == "TaxExcluded"


def test_document_discount_alone_is_sent_as_a_percentage():
    lines = [f.line("Call-out", "1", "200.00")]
    invoice = f.invoice(lines, discount="10", tax="5")
    body = mapping.document_to_qbo(
        invoice, lines, kind="invoice", region="ca", customer_remote_id="1", item_refs=ITEMS
    )
    discount = body["Line"][-1]
    assert discount["DiscountLineDetail"] == {
        "PercentBased": True,
        "DiscountPercent": Decimal("10"),
    }
    assert discount["Amount"] == Decimal("20.00")
    assert qbo_total(body) == invoice.total == Decimal("189.00")


def test_invoice_carries_every_field_of_the_hub_invoice():
    lines = [f.line("Call-out", "1", "80.00")]
    invoice = f.invoice(lines, notes="Thanks!")
    body = mapping.document_to_qbo(
        invoice, lines, kind="invoice", region="us", customer_remote_id="58", item_refs=ITEMS
    )
    assert body["DocNumber"] == "INV-1001"
    assert body["TxnDate"] == "2026-03-02"
    assert body["DueDate"] == "2026-04-01"
    assert body["CustomerRef"] == {"value": "58"}
    assert body["BillEmail"] == {"Address": "billing@example.com"}
    assert body["CurrencyRef"] == {"value": "USD"}
    assert body["Line"][0]["Description"] == "Call-out"
    assert body["Line"][0]["SalesItemLineDetail"]["ItemRef"]["name"] == "Services"


def test_quote_becomes_an_estimate_with_expiry_and_status():
    lines = [f.quote_line(description="Roof", unit_price="500.00")]
    quote = f.quote(lines, status="declined")
    body = mapping.document_to_qbo(
        quote, lines, kind="quote", region="us", customer_remote_id="58", item_refs=ITEMS
    )
    assert body["ExpirationDate"] == "2026-03-30"
    assert body["TxnStatus"] == "Rejected"
    assert "DueDate" not in body


def test_number_longer_than_quickbooks_allows_is_refused_with_a_clear_message():
    lines = [f.line()]
    invoice = f.invoice(lines, number="INV-" + "9" * 25)
    with pytest.raises(PermanentError, match="longer than QuickBooks allows"):
        mapping.document_to_qbo(
            invoice, lines, kind="invoice", region="us", customer_remote_id="1", item_refs=ITEMS
        )


def test_line_whose_item_is_unknown_is_refused():
    lines = [f.line(item="Chimney sweep")]
    with pytest.raises(PermanentError, match="Chimney sweep"):
        mapping.document_to_qbo(
            f.invoice(lines),
            lines,
            kind="invoice",
            region="us",
            customer_remote_id="1",
            item_refs=ITEMS,
        )


def test_customer_body_strips_colons_and_carries_contact_details():
    body = mapping.customer_to_qbo(f.customer(display_name="Brown: Nick"))
    assert body["DisplayName"] == "Brown Nick"
    assert body["PrimaryEmailAddr"] == {"Address": "nick@example.com"}
    assert body["BillAddr"]["City"] == "Springfield"
    assert body["BillAddr"]["CountrySubDivisionCode"] == "IL"


def test_customer_without_a_name_is_refused():
    with pytest.raises(PermanentError):
        mapping.customer_to_qbo(f.customer(display_name=" : "))


def test_payment_is_linked_to_the_invoice():
    invoice = f.invoice([f.line()])
    body = mapping.payment_to_qbo(
        f.payment(invoice, "40"), customer_remote_id="58", invoice_remote_id="130"
    )
    assert body["TotalAmt"] == Decimal("40.00")
    assert body["Line"] == [
        {"Amount": Decimal("40.00"), "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]}
    ]


def test_payment_without_an_invoice_becomes_a_sales_receipt():
    invoice = f.invoice([f.line()])
    body = mapping.sales_receipt_to_qbo(
        f.payment(invoice, "40"), customer_remote_id="58", item_ref=ITEMS["Services"]
    )
    assert body["Line"][0]["Amount"] == Decimal("40.00")
    assert "INV-1001" in body["Line"][0]["Description"]


def test_query_literal_escapes_quotes():
    assert mapping.query_literal("O'Brien") == "'O\\'Brien'"


QBO_INVOICE = {
    "Id": "130",
    "SyncToken": "2",
    "DocNumber": "1037",
    "TxnDate": "2026-03-02",
    "DueDate": "2026-04-01",
    "CustomerRef": {"value": "58", "name": "Nick Brown"},
    "CurrencyRef": {"value": "CAD"},
    "BillEmail": {"Address": "b@example.com"},
    "TotalAmt": 189.0,
    "Balance": 89.0,
    "TxnTaxDetail": {
        "TotalTax": 9.0,
        "TaxLine": [
            {
                "Amount": 9.0,
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {"PercentBased": True, "TaxPercent": 5, "NetAmountTaxable": 180},
            }
        ],
    },
    "Line": [
        {
            "LineNum": 1,
            "DetailType": "SalesItemLineDetail",
            "Amount": 200.0,
            "Description": "Roof",
            "SalesItemLineDetail": {
                "ItemRef": {"value": "1", "name": "Services"},
                "Qty": 2,
                "UnitPrice": 100,
                "TaxCodeRef": {"value": "5"},
            },
        },
        {"DetailType": "SubTotalLineDetail", "Amount": 200.0},
        {
            "DetailType": "DiscountLineDetail",
            "Amount": 20.0,
            "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
        },
    ],
}


def test_invoice_is_read_back_with_status_from_its_balance():
    document = reading.document_from_qbo(QBO_INVOICE, "invoice")
    assert document.remote_id == "130" and document.remote_version == "2"
    assert document.status == "partially_paid"
    assert document.amount_paid == Decimal("100.0")
    assert document.discount_percent == Decimal("10")
    assert document.tax_rate == Decimal("5")
    assert document.lines[0].quantity == Decimal("2") and document.lines[0].item_name == "Services"
    assert document.due_date == date(2026, 4, 1)


def test_voided_invoice_reads_as_cancelled():
    voided = {**QBO_INVOICE, "TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided"}
    assert reading.document_from_qbo(voided, "invoice").status == "cancelled"


def test_paid_invoice_reads_as_paid():
    assert reading.document_from_qbo({**QBO_INVOICE, "Balance": 0}, "invoice").status == "paid"


def test_answer_without_an_id_is_a_transient_error_not_a_crash():
    broken = {k: v for k, v in QBO_INVOICE.items() if k != "Id"}
    with pytest.raises(TransientError, match="without Id"):
        reading.document_from_qbo(broken, "invoice")


def test_malformed_date_and_amount_are_transient_errors():
    with pytest.raises(TransientError, match="not a date"):
        reading.document_from_qbo({**QBO_INVOICE, "TxnDate": "yesterday"}, "invoice")
    with pytest.raises(TransientError, match="not a number"):
        reading.document_from_qbo({**QBO_INVOICE, "TotalAmt": "lots"}, "invoice")


def test_deleted_record_in_change_data_capture_is_a_deletion():
    change = reading.change_from_qbo("Customer", {"Id": "9", "status": "Deleted"})
    assert change.deleted and change.kind == "customer" and change.record is None


def test_customer_and_payment_are_read_back():
    customer = reading.customer_from_qbo(
        {
            "Id": "58",
            "SyncToken": "0",
            "DisplayName": "Nick Brown",
            "PrimaryEmailAddr": {"Address": "nick@example.com"},
            "BillAddr": {"Country": "us"},
        }
    )
    assert customer.email == "nick@example.com" and customer.billing_country == "US"
    payment = reading.payment_from_qbo(
        {
            "Id": "9",
            "SyncToken": "0",
            "TxnDate": "2026-03-05",
            "TotalAmt": 40,
            "CustomerRef": {"value": "58"},
            "Line": [{"Amount": 40, "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]}],
        }
    )
    assert payment.applied_to == [("130", Decimal("40"))]
