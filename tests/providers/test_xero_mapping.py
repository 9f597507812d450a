from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from apps.common.money import HUNDRED, ZERO, round_money
from apps.integrations.contract import PermanentError, TransientError
from apps.integrations.xero import mapping
from tests.providers import factories as f

TAX = mapping.TaxTypes(taxable="OUTPUT", taxable_rate=Decimal("8.875"), exempt="NONE")


def xero_total(items: list[dict], rates: dict[str, Decimal]) -> Decimal:
    """Priced the way Xero prices lines: per-line rounding of amount and of tax, unless the
    line states its TaxAmount."""
    total = ZERO
    for item in items:
        discount = Decimal(item.get("DiscountRate", 0))
        amount = round_money(item["Quantity"] * item["UnitAmount"] * (1 - discount / HUNDRED))
        tax = item.get("TaxAmount")
        if tax is None:
            tax = round_money(amount * rates[item["TaxType"]] / HUNDRED)
        total += amount + tax
    return total


def awkward_invoice(**fields):
    lines = [
        f.line("Gutter clean", "3", "33.33", discount="7.5", item="Gutter clean"),
        f.line("Call-out", "1", "19.99", taxable=False),
        f.line("Parts", "2.5", "12.47", discount="2.25"),
    ]
    return f.invoice(lines, discount="4.75", tax="8.875", **fields), lines


def test_xero_total_equals_the_hub_total_with_line_and_document_discounts_and_tax():
    invoice, lines = awkward_invoice()
    body = mapping.document_to_xero(
        invoice, lines, kind="invoice", contact_id="c1", tax_types=TAX, account_code="200"
    )
    rates = {"OUTPUT": Decimal("8.875"), "NONE": ZERO}
    assert xero_total(body["LineItems"], rates) == invoice.total
    assert body["LineAmountTypes"] == "Exclusive"
    assert [item["TaxType"] for item in body["LineItems"][:3]] == ["OUTPUT", "NONE", "OUTPUT"]


@pytest.mark.parametrize(
    ("quantity", "price", "line_discount", "doc_discount", "tax"),
    [
        ("1", "100.00", "0", "0", "0"),
        ("7", "3.33", "12.5", "3", "13"),
        ("0.5", "99.99", "0", "10", "5"),
    ],
)
def test_totals_stay_equal_across_discount_and_tax_combinations(
    quantity, price, line_discount, doc_discount, tax
):
    lines = [f.line("A", quantity, price, discount=line_discount), f.line("B", "3", "0.35")]
    invoice = f.invoice(lines, discount=doc_discount, tax=tax)
    types = mapping.TaxTypes(taxable="T", taxable_rate=Decimal(tax), exempt="NONE")
    body = mapping.document_to_xero(
        invoice, lines, kind="invoice", contact_id="c1", tax_types=types, account_code="200"
    )
    assert xero_total(body["LineItems"], {"T": Decimal(tax), "NONE": ZERO}) == invoice.total


def test_document_discount_is_folded_into_each_line_discount_rate():
    assert mapping.combined_discount(Decimal("10"), Decimal("5")) == Decimal("14.5")
    assert mapping.combined_discount(Decimal("0"), Decimal("0")) == 0


def test_sent_invoice_is_authorised_with_every_field():
    invoice, lines = awkward_invoice()
    body = mapping.document_to_xero(
        invoice, lines, kind="invoice", contact_id="c1", tax_types=TAX, account_code="200"
    )
    assert body["Type"] == "ACCREC" and body["Status"] == "AUTHORISED"
    assert body["InvoiceNumber"] == "INV-1001"
    assert body["Date"] == "2026-03-02" and body["DueDate"] == "2026-04-01"
    assert body["Contact"] == {"ContactID": "c1"}
    assert body["LineItems"][0]["AccountCode"] == "200"


def test_tax_rate_the_tenant_lacks_is_refused_clearly():
    invoice, lines = awkward_invoice()
    other = mapping.TaxTypes(taxable="OUTPUT", taxable_rate=Decimal("5"))
    with pytest.raises(PermanentError, match="no sales tax rate of 8.875%"):
        mapping.document_to_xero(
            invoice, lines, kind="invoice", contact_id="c1", tax_types=other, account_code="200"
        )


def test_quote_statuses_follow_the_hub():
    lines = [f.quote_line()]
    for hub, xero in [("sent", "SENT"), ("accepted", "ACCEPTED"), ("declined", "DECLINED")]:
        body = mapping.document_to_xero(
            f.quote(lines, status=hub),
            lines,
            kind="quote",
            contact_id="c1",
            tax_types=mapping.TaxTypes(),
            account_code="200",
        )
        assert body["Status"] == xero
        assert body["QuoteNumber"] == "Q-2001" and body["ExpiryDate"] == "2026-03-30"


def test_contact_body_and_payment_body():
    body = mapping.contact_to_xero(f.customer())
    assert body["Name"] == "Nick Brown" and body["EmailAddress"] == "nick@example.com"
    assert body["Addresses"][0]["AddressType"] == "POBOX"
    payment = mapping.payment_to_xero(
        f.payment(f.invoice([f.line()]), "12.5"), invoice_id="i1", account_code="090"
    )
    assert payment["Amount"] == Decimal("12.50") and payment["Account"] == {"Code": "090"}


def test_xero_json_dates_are_parsed():
    assert mapping.parse_timestamp("/Date(1552262400000+0000)/") == datetime(
        2019, 3, 11, tzinfo=UTC
    )
    assert mapping.parse_timestamp("/Date(1552262400000)/").year == 2019
    assert mapping.parse_timestamp("2026-03-02T10:00:00") == datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert mapping.parse_day("2026-03-02T00:00:00", "Date") == date(2026, 3, 2)


def test_malformed_date_is_a_transient_error():
    with pytest.raises(TransientError, match="not a date"):
        mapping.parse_timestamp("/Date(soon)/")


XERO_INVOICE = {
    "InvoiceID": "i1",
    "Type": "ACCREC",
    "InvoiceNumber": "INV-9",
    "Status": "AUTHORISED",
    "Contact": {"ContactID": "c1", "Name": "Nick"},
    "Date": "/Date(1772409600000+0000)/",
    "DueDate": "2026-04-01T00:00:00",
    "CurrencyCode": "USD",
    "UpdatedDateUTC": "/Date(1772409600000+0000)/",
    "SubTotal": 200.0,
    "TotalTax": 10.0,
    "Total": 210.0,
    "AmountPaid": 50.0,
    "LineItems": [
        {
            "Description": "Roof",
            "Quantity": 2,
            "UnitAmount": 100,
            "TaxAmount": 10,
            "LineAmount": 200,
            "TaxType": "OUTPUT",
        }
    ],
}


def test_invoice_is_read_back():
    document = mapping.document_from_xero(XERO_INVOICE, "invoice")
    assert document.status == "partially_paid" and document.amount_paid == Decimal("50.0")
    assert document.tax_rate == Decimal("5.00")
    assert document.issue_date == date(2026, 3, 2) and document.due_date == date(2026, 4, 1)
    assert document.remote_version == "/Date(1772409600000+0000)/"


def test_voided_invoice_reads_as_cancelled():
    voided = {**XERO_INVOICE, "Status": "VOIDED", "AmountPaid": 0}
    assert mapping.document_from_xero(voided, "invoice").status == "cancelled"


def test_answer_missing_fields_is_a_transient_error():
    with pytest.raises(TransientError, match="without UpdatedDateUTC"):
        mapping.document_from_xero({**XERO_INVOICE, "UpdatedDateUTC": None}, "invoice")
    with pytest.raises(TransientError, match="without LineItems"):
        mapping.document_from_xero({**XERO_INVOICE, "LineItems": None}, "invoice")
    with pytest.raises(TransientError, match="Xero answered a total 'lots', which is not a number"):
        mapping.document_from_xero({**XERO_INVOICE, "Total": "lots"}, "invoice")


def test_validation_messages_are_joined():
    element = {"ValidationErrors": [{"Message": "Email is bad"}, {"Message": "Name is taken"}]}
    assert mapping.validation_messages(element) == "Email is bad; Name is taken"


def test_where_literal_escapes_quotes():
    assert mapping.where_literal('Nick "the roofer"') == '"Nick \\"the roofer\\""'


def test_quote_unit_amounts_go_to_xero_at_two_decimals_with_the_residue_on_a_rounding_line():
    lines = [
        f.quote_line(description="Copper pipe", quantity="13.5", unit_price="6.8296296"),
        f.quote_line(description="Fitting", quantity="4", unit_price="1.25"),
    ]
    quote = f.quote(lines, tax="8.875")
    body = mapping.document_to_xero(
        quote, lines, kind="quote", contact_id="c1", tax_types=TAX, account_code="200"
    )
    pipe, fitting, rounding = body["LineItems"]
    assert (pipe["UnitAmount"], fitting["UnitAmount"]) == (Decimal("6.83"), Decimal("1.25"))
    # 13.5 × 6.8296296 is 92.20 in the hub; Xero makes 13.5 × 6.83 = 92.21 of it.
    assert (rounding["Description"], rounding["UnitAmount"]) == ("Rounding", Decimal("-0.01"))
    assert xero_total(body["LineItems"], {"OUTPUT": Decimal("8.875"), "NONE": ZERO}) == quote.total
