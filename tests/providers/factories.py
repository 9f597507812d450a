"""Unsaved hub records for mapping tests (no database needed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apps.catalog.models import ServiceItem
from apps.common.documents import compute_totals
from apps.customers.models import Customer
from apps.invoices.models import Invoice, InvoiceLine, Payment
from apps.quotes.models import Quote, QuoteLine


def customer(**fields) -> Customer:
    values = {
        "display_name": "Nick Brown",
        "given_name": "Nick",
        "family_name": "Brown",
        "email": "nick@example.com",
        "phone": "+1 555 0100",
        "billing_line1": "1 Main St",
        "billing_city": "Springfield",
        "billing_region": "IL",
        "billing_postal_code": "62701",
        "billing_country": "US",
    }
    values.update(fields)
    return Customer(**values)


def line(
    description="Call-out",
    quantity="1",
    unit_price="100.00",
    discount="0",
    taxable=True,
    item: str | None = None,
    model=InvoiceLine,
):
    service_item = ServiceItem(name=item, unit_price=Decimal(unit_price)) if item else None
    return model(
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        discount_percent=Decimal(discount),
        taxable=taxable,
        service_item=service_item,
    )


def _with_totals(document, lines):
    totals = compute_totals(
        lines, discount_percent=document.discount_percent, tax_rate=document.tax_rate
    )
    document.subtotal = totals.subtotal
    document.discount_total = totals.discount_total
    document.tax_total = totals.tax_total
    document.total = totals.total
    return document


def invoice(lines, *, discount="0", tax="0", **fields) -> Invoice:
    values = {
        "number": "INV-1001",
        "issue_date": date(2026, 3, 2),
        "due_date": date(2026, 4, 1),
        "billing_email": "billing@example.com",
        "currency": "USD",
        "status": Invoice.Status.SENT,
        "discount_percent": Decimal(discount),
        "tax_rate": Decimal(tax),
    }
    values.update(fields)
    return _with_totals(Invoice(**values), lines)


def quote(lines, *, discount="0", tax="0", **fields) -> Quote:
    values = {
        "number": "Q-2001",
        "issue_date": date(2026, 3, 2),
        "expiry_date": date(2026, 3, 30),
        "currency": "USD",
        "status": Quote.Status.SENT,
        "discount_percent": Decimal(discount),
        "tax_rate": Decimal(tax),
    }
    values.update(fields)
    return _with_totals(Quote(**values), lines)


def quote_line(**kwargs):
    return line(model=QuoteLine, **kwargs)


def payment(invoice_obj, amount="50.00", **fields) -> Payment:
    values = {
        "amount": Decimal(amount),
        "date": date(2026, 3, 5),
        "method": "card",
        "reference": "ch_123",
    }
    values.update(fields)
    return Payment(invoice=invoice_obj, **values)
