from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.integrations.models import Integration
from apps.invoices.models import Invoice, Payment
from apps.invoices.services import payment_record
from tests.factories import CustomerFactory, InvoiceFactory, ServiceItemFactory
from tests.staff import assert_three_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org):
    return CustomerFactory(organisation=org, display_name="Ann Lee", email="ann@example.com")


@pytest.fixture
def invoice(org, customer):
    return InvoiceFactory(organisation=org, customer=customer, status=Invoice.Status.SENT)


def form_data(customer, **overrides) -> dict:
    data = {
        "customer": customer.pk,
        "issue_date": "2026-11-20",
        "due_date": "2026-12-04",
        "billing_email": "",
        "currency": "USD",
        "discount_percent": "0",
        "tax_rate": "10",
        "notes": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Replace tap washer",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "40.00",
        "lines-0-discount_percent": "0",
        "lines-0-taxable": "on",
        "lines-1-description": "",
        "lines-1-quantity": "",
    }
    data.update(overrides)
    return data


def test_list_shows_the_organisations_invoices_only(invoice, as_alice, as_bob, as_charlie):
    for client in (as_alice, as_bob):
        assert invoice.number in client.get(reverse("invoices:list")).content.decode()
    assert invoice.number not in as_charlie.get(reverse("invoices:list")).content.decode()


def test_detail_and_edit_pages_are_the_organisations_only(invoice, as_alice, as_bob, as_charlie):
    assert_three_users(
        invoice.get_absolute_url(), as_alice, as_bob, as_charlie, text=invoice.number
    )
    assert_three_users(reverse("invoices:edit", args=[invoice.pk]), as_alice, as_bob, as_charlie)


def test_status_filter_shows_only_that_status(org, customer, as_alice):
    InvoiceFactory(organisation=org, customer=customer, number="INV-0101", status="paid")
    InvoiceFactory(organisation=org, customer=customer, number="INV-0102", status="draft")
    page = as_alice.get(reverse("invoices:list"), {"status": "paid"}).content.decode()
    assert "INV-0101" in page and "INV-0102" not in page


def test_status_filter_with_htmx_returns_only_the_results_partial(org, customer, as_alice):
    InvoiceFactory(organisation=org, customer=customer, number="INV-0101", status="paid")
    response = as_alice.get(reverse("invoices:list"), {"status": "paid"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.strip().startswith('<div id="results">')
    assert "<html" not in body and 'aria-label="Main"' not in body  # not the whole page
    assert 'class="chip active" hx-get="?status=paid"' in body  # the chosen chip, swapped too


def test_creating_an_invoice_saves_lines_and_totals(customer, as_bob):
    response = as_bob.post(reverse("invoices:create"), form_data(customer))
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response.url == invoice.get_absolute_url()
    assert invoice.lines.count() == 1
    assert invoice.total == Decimal("88.00")
    assert invoice.billing_email == "ann@example.com"


def test_chosen_item_fills_a_blank_description_and_price(org, customer, as_alice):
    item = ServiceItemFactory(organisation=org, name="Call-out", unit_price=Decimal("89.00"))
    data = form_data(
        customer,
        **{
            "lines-0-description": "",
            "lines-0-unit_price": "",
            "lines-0-service_item": str(item.pk),
        },
    )
    as_alice.post(reverse("invoices:create"), data)
    line = Invoice.objects.get().lines.get()
    assert (line.description, line.unit_price, line.service_item) == (
        "Call-out",
        Decimal("89.00"),
        item,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lines-0-quantity": "-1"}, "greater than or equal to 0"),
        ({"lines-0-unit_price": "-3"}, "greater than or equal to 0"),
        ({"currency": "ABC"}, "Documents can only be in USD"),
        ({"due_date": "2026-11-01"}, "The due date cannot be before the issue date."),
        ({"billing_email": "ann@"}, "Enter a valid email address."),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(
    customer, as_alice, overrides, message
):
    response = as_alice.post(reverse("invoices:create"), form_data(customer, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'class="field-error"' in response.content.decode()
    assert not Invoice.objects.exists()


def test_customer_of_another_organisation_cannot_be_chosen(as_charlie, customer):
    response = as_charlie.post(reverse("invoices:create"), form_data(customer))
    assert "Select a valid choice" in response.content.decode()
    assert not Invoice.objects.exists()


def test_add_line_without_javascript_shows_one_more_row(customer, as_alice):
    data = form_data(customer, add_line="1")
    response = as_alice.post(reverse("invoices:create"), data)
    assert 'name="lines-2-description"' in response.content.decode()
    assert not Invoice.objects.exists()


def test_htmx_add_line_returns_a_row_and_the_new_count(as_alice):
    response = as_alice.get(reverse("invoices:line_row"), {"lines-TOTAL_FORMS": "3"})
    body = response.content.decode()
    assert 'name="lines-3-description"' in body
    assert 'value="4" hx-swap-oob="true"' in body


def test_removed_line_is_dropped_on_save(org, customer, invoice, as_alice):
    data = form_data(
        customer,
        **{
            "lines-1-description": "Second",
            "lines-1-quantity": "1",
            "lines-1-unit_price": "5",
            "lines-1-DELETE": "on",
        },
    )
    as_alice.post(reverse("invoices:edit", args=[invoice.pk]), data)
    assert [line.description for line in invoice.lines.all()] == ["Replace tap washer"]


def test_paid_invoice_edit_page_redirects_with_a_message(org, customer, as_alice):
    paid = InvoiceFactory(organisation=org, customer=customer, status="paid")
    response = as_alice.post(
        reverse("invoices:edit", args=[paid.pk]), form_data(customer), follow=True
    )
    assert "is paid, so it cannot be edited" in response.content.decode()
    assert paid.lines.get().description == "Call-out"


def test_send_and_cancel_buttons(org, customer, as_alice, as_charlie):
    draft = InvoiceFactory(organisation=org, customer=customer)
    assert as_charlie.post(reverse("invoices:send", args=[draft.pk])).status_code == 404
    as_alice.post(reverse("invoices:send", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "sent"
    as_alice.post(reverse("invoices:cancel", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "cancelled"
    response = as_alice.post(reverse("invoices:send", args=[draft.pk]), follow=True)
    assert "is cancelled, so it cannot be sent" in response.content.decode()


def payment(amount="30.00", **extra):
    return {"amount": amount, "date": "2026-11-21", "method": "check", "reference": "", **extra}


def test_add_payment_records_it_for_members_only(invoice, as_bob, as_charlie):
    url = reverse("invoices:payment_add", args=[invoice.pk])
    assert as_charlie.post(url, payment()).status_code == 404
    assert as_bob.post(url, payment()).status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == ("partially_paid", Decimal("30.00"))


def test_paying_more_than_the_balance_is_refused_beside_the_amount(invoice, as_alice):
    response = as_alice.post(reverse("invoices:payment_add", args=[invoice.pk]), payment("100.01"))
    assert response.status_code == 400
    assert "more than the balance of 100.00 USD" in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "url_name, prefix", [("invoices:payment_add", ""), ("invoices:payment_take_card", "card-")]
)
def test_a_payment_of_nan_is_refused_beside_the_amount_and_nothing_is_recorded(
    invoice, as_alice, url_name, prefix
):
    data = {f"{prefix}{name}": value for name, value in payment("NaN").items()}
    response = as_alice.post(reverse(url_name, args=[invoice.pk]), data)
    assert response.status_code == 400
    assert "Enter a number." in response.content.decode()
    assert not Payment.objects.exists()


def test_add_payment_is_hidden_while_an_integration_is_connected(org, invoice, as_alice):
    page = as_alice.get(invoice.get_absolute_url()).content.decode()
    assert "Add Payment" in page
    Integration.objects.create(
        organisation=org, provider="xero", remote_company_id="t1", country="US", currency="USD"
    )
    page = as_alice.get(invoice.get_absolute_url()).content.decode()
    assert "Add Payment" not in page
    assert "Payments are recorded in your accounting system" in page
    assert "Take card payment" in page
    response = as_alice.post(reverse("invoices:payment_add", args=[invoice.pk]), payment())
    assert "recorded in your accounting system" in response.content.decode()
    assert not Payment.objects.exists()


def test_take_card_payment_records_an_online_payment(org, invoice, as_alice):
    Integration.objects.create(
        organisation=org, provider="xero", remote_company_id="t1", country="US", currency="USD"
    )
    data = {"card-amount": "100.00", "card-date": "2026-11-21", "card-reference": "ch_42"}
    as_alice.post(reverse("invoices:payment_take_card", args=[invoice.pk]), data)
    paid = Payment.objects.get()
    assert (paid.source, paid.method, paid.reference) == ("online", "card", "ch_42")
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_void_payment(invoice, as_alice, as_charlie):
    paid = payment_record(invoice=invoice, amount="10.00", date=dt.date(2026, 11, 21))
    url = reverse("invoices:payment_void", args=[paid.pk])
    assert as_charlie.post(url).status_code == 404
    as_alice.post(url)
    paid.refresh_from_db()
    invoice.refresh_from_db()
    assert paid.voided and invoice.status == "sent"


def test_login_is_required(client, invoice):
    response = client.get(invoice.get_absolute_url())
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_currency_may_be_typed_in_lower_case(customer, as_alice):
    as_alice.post(reverse("invoices:create"), form_data(customer, currency="usd"))
    assert Invoice.objects.get().currency == "USD"


def test_running_totals_follow_the_form_as_it_is_typed(customer, as_alice):
    data = form_data(customer, **{"lines-1-description": "Half-typed", "lines-1-quantity": "x"})
    body = as_alice.post(reverse("invoices:totals"), data).content.decode()
    assert "80.00" in body and "8.00" in body and "88.00 USD" in body
    assert not Invoice.objects.exists()


def test_running_totals_are_post_only_and_need_a_login(client, as_alice):
    assert as_alice.get(reverse("invoices:totals")).status_code == 405
    assert client.post(reverse("invoices:totals")).status_code == 302


def test_unpaid_filter_shows_sent_and_partially_paid(org, customer, as_alice):
    for number, status in (
        ("INV-0201", "sent"),
        ("INV-0202", "partially_paid"),
        ("INV-0203", "paid"),
        ("INV-0204", "draft"),
    ):
        InvoiceFactory(organisation=org, customer=customer, number=number, status=status)
    page = as_alice.get(reverse("invoices:list"), {"status": "unpaid"}).content.decode()
    assert "INV-0201" in page and "INV-0202" in page
    assert "INV-0203" not in page and "INV-0204" not in page


def test_cancelled_invoice_shows_no_balance_owed(org, customer, as_alice):
    invoice = InvoiceFactory(
        organisation=org, customer=customer, status="cancelled", total=Decimal("496.38")
    )
    listed = as_alice.get(reverse("invoices:list")).content.decode()
    shown = as_alice.get(invoice.get_absolute_url()).content.decode()
    assert listed.count("496.38") == 1  # the total, not a balance beside it
    assert '<dd class="balance">— <span class="muted">(cancelled)</span></dd>' in shown
