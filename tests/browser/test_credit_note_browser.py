"""Issue credit note and Refund, clicked through in Chromium (docs/credit-notes.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.invoices.services import invoice_create, invoice_send, payment_record
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, line

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_issue_a_partial_credit_note_and_refund_a_payment_from_the_invoice_page(
    browser_page, live_server, alice, org
):
    invoice = invoice_create(
        organisation=org,
        customer=CustomerFactory(organisation=org, display_name="Ann Lee"),
        issue_date=dt.date(2026, 11, 20),
        tax_rate=Decimal("10"),
        lines=[line("Labour", "2", "50.00"), line("Parts", "1", "33.33")],
    )
    invoice = invoice_send(invoice=invoice)
    payment_record(invoice=invoice, amount="50.00")
    page = browser_page
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}{invoice.get_absolute_url()}")
    page.click("text=Issue credit note")
    page.check("input[value=part]")
    page.fill("input[name=lines-0-description]", "Parts returned")
    page.fill("input[name=lines-0-quantity]", "1")
    page.fill("input[name=lines-0-unit_price]", "33.33")
    page.click("button:has-text('Issue credit note')")
    page.wait_for_url(f"**{invoice.get_absolute_url()}")
    assert page.locator("[data-testid=credited]").inner_text() == "36.66"
    assert "CN-0001" in page.locator("#credit-notes").inner_text()
    page.click("#payments >> text=Refund")
    page.fill("input[name=amount]", "60")
    page.click("button:has-text('Record refund')")
    assert "At most 50.00" in page.locator("[data-testid=refund-form]").inner_text()
    page.fill("input[name=amount]", "20")
    page.click("button:has-text('Record refund')")
    page.wait_for_url(f"**{invoice.get_absolute_url()}")
    assert page.locator("[data-testid=refunded]").inner_text() == "20.00"
    assert "60.00" in page.locator(".money .balance").inner_text()  # 146.66 − 50 − 36.66
