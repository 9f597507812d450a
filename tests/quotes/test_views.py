from __future__ import annotations

import pytest
from django.urls import reverse

from apps.invoices.models import Invoice
from apps.quotes.models import Quote
from tests.factories import CustomerFactory, QuoteFactory
from tests.staff import assert_three_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def quote(org):
    return QuoteFactory(organisation=org, customer=CustomerFactory(organisation=org))


def form_data(customer, **overrides) -> dict:
    return {
        "customer": customer.pk,
        "issue_date": "2026-11-20",
        "expiry_date": "2026-12-20",
        "currency": "USD",
        "discount_percent": "0",
        "tax_rate": "0",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Install smoke detectors",
        "lines-0-quantity": "4",
        "lines-0-unit_price": "74.50",
        **overrides,
    }


def test_list_shows_the_organisations_quotes_only(quote, as_alice, as_bob, as_charlie):
    for client in (as_alice, as_bob):
        assert quote.number in client.get(reverse("quotes:list")).content.decode()
    assert quote.number not in as_charlie.get(reverse("quotes:list")).content.decode()


def test_detail_and_edit_are_the_organisations_only(quote, as_alice, as_bob, as_charlie):
    assert_three_users(quote.get_absolute_url(), as_alice, as_bob, as_charlie, text=quote.number)
    assert_three_users(reverse("quotes:edit", args=[quote.pk]), as_alice, as_bob, as_charlie)


def test_create_page_and_save(org, as_alice):
    customer = CustomerFactory(organisation=org)
    assert as_alice.get(reverse("quotes:create")).status_code == 200
    response = as_alice.post(reverse("quotes:create"), form_data(customer))
    quote = Quote.objects.get()
    assert response.url == quote.get_absolute_url()
    assert str(quote.total) == "298.00"


def test_negative_quantity_is_refused_beside_the_field(org, as_alice):
    customer = CustomerFactory(organisation=org)
    response = as_alice.post(
        reverse("quotes:create"), form_data(customer, **{"lines-0-quantity": "-4"})
    )
    assert "greater than or equal to 0" in response.content.decode()
    assert not Quote.objects.exists()


def test_send_accept_and_convert_buttons(quote, as_bob, as_charlie):
    for action in ("send", "accept", "convert"):
        assert as_charlie.post(reverse(f"quotes:{action}", args=[quote.pk])).status_code == 404
    as_bob.post(reverse("quotes:send", args=[quote.pk]))
    as_bob.post(reverse("quotes:accept", args=[quote.pk]))
    response = as_bob.post(reverse("quotes:convert", args=[quote.pk]))
    invoice = Invoice.objects.get()
    assert response.url == invoice.get_absolute_url()
    quote.refresh_from_db()
    assert quote.converted_invoice == invoice


def test_refused_action_is_explained(quote, as_alice):
    response = as_alice.post(reverse("quotes:accept", args=[quote.pk]), follow=True)
    assert "is draft, so it cannot be accepted" in response.content.decode()


def test_decline_and_cancel_buttons(org, as_alice):
    sent = QuoteFactory(organisation=org, status="sent")
    draft = QuoteFactory(organisation=org)
    as_alice.post(reverse("quotes:decline", args=[sent.pk]))
    as_alice.post(reverse("quotes:cancel", args=[draft.pk]))
    sent.refresh_from_db()
    draft.refresh_from_db()
    assert (sent.status, draft.status) == ("declined", "cancelled")


def test_htmx_line_row(as_alice):
    body = as_alice.get(reverse("quotes:line_row"), {"lines-TOTAL_FORMS": "1"}).content.decode()
    assert 'name="lines-1-quantity"' in body


def test_running_totals(org, as_alice):
    customer = CustomerFactory(organisation=org)
    body = as_alice.post(reverse("quotes:totals"), form_data(customer)).content.decode()
    assert "298.00 USD" in body
