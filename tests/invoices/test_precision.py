"""Quantities and prices keep the decimals the ledgers keep, on the pages where staff type them
(docs/money.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.invoices.models import Invoice
from apps.quotes.models import Quote
from tests.factories import CustomerFactory
from tests.invoices.test_views import form_data as invoice_form
from tests.quotes.test_views import form_data as quote_form

pytestmark = pytest.mark.django_db

PRECISE_LINES = {
    "lines-TOTAL_FORMS": "2",
    "lines-0-description": "Gutter guard",
    "lines-0-quantity": "2.375",
    "lines-0-unit_price": "19.99",
    "lines-1-description": "Energy",
    "lines-1-quantity": "13.5",
    "lines-1-unit_price": "6.8296296",
    "lines-1-discount_percent": "0",
    "lines-1-taxable": "on",
}


@pytest.fixture
def customer(org):
    return CustomerFactory(organisation=org, display_name="Ann Lee", email="ann@example.com")


def test_invoice_form_takes_a_three_decimal_quantity_and_a_seven_decimal_price(customer, as_bob):
    response = as_bob.post(reverse("invoices:create"), invoice_form(customer, **PRECISE_LINES))
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    first, second = invoice.lines.all()
    assert (first.quantity, first.unit_price, first.amount) == (
        Decimal("2.375"),
        Decimal("19.99"),
        Decimal("47.48"),  # 47.47625: the quantity is not rounded to 2.38 first
    )
    assert (second.unit_price, second.amount) == (Decimal("6.8296296"), Decimal("92.20"))
    page = as_bob.get(invoice.get_absolute_url()).content.decode()
    assert "2.375" in page and "6.8296296" in page and "47.48" in page
    assert "2.3750000" not in page and "2.38" not in page


def test_editing_shows_quantity_and_price_as_they_were_typed(customer, as_bob):
    as_bob.post(reverse("invoices:create"), invoice_form(customer, **PRECISE_LINES))
    invoice = Invoice.objects.get()
    page = as_bob.get(reverse("invoices:edit", args=[invoice.pk])).content.decode()
    assert 'value="2.375"' in page and 'value="6.8296296"' in page and 'value="19.99"' in page


def test_more_decimals_than_quickbooks_keeps_is_a_field_error(customer, as_bob):
    data = invoice_form(customer, **{"lines-0-unit_price": "1.123456789"})
    response = as_bob.post(reverse("invoices:create"), data)
    assert response.status_code == 200
    assert "no more than 7 decimal places" in response.content.decode()
    assert not Invoice.objects.exists()


def test_quote_form_takes_the_same_precision(customer, as_bob):
    lines = {**PRECISE_LINES, "lines-INITIAL_FORMS": "0"}
    response = as_bob.post(reverse("quotes:create"), quote_form(customer, **lines))
    assert response.status_code == 302
    quote = Quote.objects.get()
    assert [line.quantity for line in quote.lines.all()] == [Decimal("2.375"), Decimal("13.5")]
    assert quote.subtotal == Decimal("139.68")
