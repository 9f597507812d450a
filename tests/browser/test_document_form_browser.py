"""The invoice form in a real browser: choosing an item fills its line at once (htmx), a
non-taxable item adds no tax, another currency is refused with the reason, and a number too
large for its column is an error beside the field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from apps.common.bounds import limit_of
from apps.common.documents import DocumentLine
from apps.invoices.models import Invoice
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, InvoiceFactory, ServiceItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots for people to look at; kept out of the working tree.
SHOTS = Path("/tmp/ledgerlink-screenshots")


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture
def stock(org):
    org.default_tax_rate = Decimal("10")
    org.save()
    return {
        "customer": CustomerFactory(organisation=org, display_name="Ann Lee"),
        "permit": ServiceItemFactory(
            organisation=org,
            name="Permit fee",
            description="Passed through at cost",
            unit_price=Decimal("120.00"),
            taxable=False,
        ),
        "labour": ServiceItemFactory(
            organisation=org,
            name="Labour",
            description="Licensed plumber",
            unit_price=Decimal("115.00"),
        ),
    }


def _choose_item(page, index: int, item) -> None:
    select = f"[name=lines-{index}-service_item]"
    # A row htmx has just swapped in listens for changes only once htmx has processed it.
    page.wait_for_function(
        f"(el => el && el['htmx-internal-data'] !== undefined)(document.querySelector('{select}'))"
    )
    with page.expect_response(lambda r: "/items/line-fields/" in r.url):
        page.select_option(f"select[name=lines-{index}-service_item]", str(item.pk))
    page.wait_for_function(
        f"document.querySelector('[name=lines-{index}-description]').value !== ''"
    )


def _totals(page) -> str:
    return " ".join(page.locator("#totals").inner_text().split())


def test_choosing_items_fills_lines_and_a_non_taxable_item_adds_no_tax(
    browser_page, live_server, alice, stock, shots
):
    page = browser_page
    log_in(page, live_server.url, alice.username)
    page.goto(f"{live_server.url}/invoices/new/")
    assert page.input_value("input[name=tax_rate]") == "10"  # the organisation's default
    page.select_option("select[name=customer]", str(stock["customer"].pk))

    _choose_item(page, 0, stock["permit"])
    assert page.input_value("[name=lines-0-description]") == "Passed through at cost"
    assert page.input_value("[name=lines-0-unit_price]") == "120.00"
    assert not page.is_checked("[name=lines-0-taxable]")
    page.wait_for_function("document.querySelector('#totals').innerText.includes('120.00')")
    assert "Tax 0.00" in _totals(page)

    with page.expect_response(lambda r: "/line-row/" in r.url):
        page.click("button[name=add_line]")
    _choose_item(page, 1, stock["labour"])
    assert page.is_checked("[name=lines-1-taxable]")
    page.wait_for_function("document.querySelector('#totals').innerText.includes('246.50')")
    assert "Tax 11.50" in _totals(page)  # 10 % of the labour only
    page.screenshot(path=str(shots / "invoice-items-filled.png"), full_page=True)

    page.click("button.primary")
    page.wait_for_url(lambda url: "/new/" not in url)
    invoice = Invoice.objects.get()
    assert (invoice.tax_total, invoice.total) == (Decimal("11.50"), Decimal("246.50"))
    assert [line.taxable for line in invoice.lines.all()] == [False, True]
    page.screenshot(path=str(shots / "invoice-items-saved.png"), full_page=True)


def test_an_invoice_in_another_currency_is_refused_with_the_reason(
    browser_page, live_server, alice, org, stock, shots
):
    invoice = InvoiceFactory(organisation=org, customer=stock["customer"], currency="EUR")
    page = browser_page
    log_in(page, live_server.url, alice.username)
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/edit/")
    assert page.input_value("select[name=currency]") == "EUR"
    page.click("button.primary")
    error = page.locator("#id_currency_error")
    error.wait_for()
    assert "Documents can only be in USD" in error.inner_text()
    assert "EUR is not accepted" in error.inner_text()
    page.screenshot(path=str(shots / "invoice-currency-refused.png"), full_page=True)
    invoice.refresh_from_db()
    assert invoice.currency == "EUR"


def test_a_number_too_large_for_its_column_is_an_error_beside_the_field(
    browser_page, live_server, alice, stock, shots
):
    page = browser_page
    log_in(page, live_server.url, alice.username)
    page.goto(f"{live_server.url}/invoices/new/")
    page.select_option("select[name=customer]", str(stock["customer"].pk))
    page.fill("[name=lines-0-description]", "Everything")
    page.fill("[name=lines-0-quantity]", "99999999999")
    page.fill("[name=lines-0-unit_price]", "999999999999999")
    page.click("button.primary")
    page.locator("td.col-unit_price .field-error").wait_for()
    limit = f"{limit_of(DocumentLine, 'quantity'):,}"
    assert f"Enter at most {limit}." in page.locator("td.col-quantity").inner_text()
    assert "Enter at most" in page.locator("td.col-unit_price").inner_text()
    page.screenshot(path=str(shots / "invoice-number-too-large.png"), full_page=True)
    assert not Invoice.objects.exists()
    page.goto(f"{live_server.url}/invoices/")
    assert "Invoices" in page.title()


def test_a_customer_with_another_customers_email_is_warned_and_saved_only_when_asked(
    browser_page, live_server, alice, org, shots
):
    from apps.customers.models import Customer

    tom = CustomerFactory(organisation=org, display_name="Tom Green", email="tom@example.com")
    page = browser_page
    log_in(page, live_server.url, alice.username)
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("[name=given_name]", "Thomas")
    page.fill("[name=family_name]", "Green")
    page.fill("[name=email]", " TOM@Example.com ")
    page.click("button.primary")
    warning = page.get_by_test_id("same-email")
    warning.wait_for()
    assert "Tom Green" in warning.inner_text() and "already has the e-mail" in warning.inner_text()
    page.screenshot(path=str(shots / "customer-same-email.png"), full_page=True)
    assert Customer.objects.count() == 1
    page.click("button[name=same_email][value=save]")
    page.wait_for_url(lambda url: "/new/" not in url)
    assert Customer.objects.exclude(pk=tom.pk).get().display_name == "Thomas Green"
