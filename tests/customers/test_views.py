from __future__ import annotations

import pytest
from django.urls import reverse

from apps.customers.models import Customer, CustomerMerge
from apps.customers.services import customer_create
from tests.factories import CustomerFactory, InvoiceFactory
from tests.staff import assert_three_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org):
    return customer_create(
        organisation=org, display_name="Nick Brown", email="nick@example.com", phone="207 555 0142"
    )


def test_list_and_search_show_the_organisations_customers_only(
    customer, as_alice, as_bob, as_charlie
):
    for client in (as_alice, as_bob):
        assert "Nick Brown" in client.get(reverse("customers:list")).content.decode()
    assert "Nick Brown" not in as_charlie.get(reverse("customers:list")).content.decode()
    for query in ("brown", "NICK@example", "+1 (207) 555-0142"):
        page = as_alice.get(reverse("customers:list"), {"q": query}).content.decode()
        assert "Nick Brown" in page, query
    assert (
        "Nick Brown" not in as_alice.get(reverse("customers:list"), {"q": "zzz"}).content.decode()
    )


def test_search_with_htmx_returns_the_results_only(customer, as_alice):
    body = as_alice.get(
        reverse("customers:list"), {"q": "nick"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert body.strip().startswith('<div id="results">') and "Nick Brown" in body


def test_detail_shows_documents_and_edit_is_the_organisations_only(
    org, customer, as_alice, as_bob, as_charlie
):
    invoice = InvoiceFactory(organisation=org, customer=customer)
    assert_three_users(
        customer.get_absolute_url(), as_alice, as_bob, as_charlie, text=invoice.number
    )
    assert_three_users(reverse("customers:edit", args=[customer.pk]), as_alice, as_bob, as_charlie)


def test_create_customer(as_alice, org):
    response = as_alice.post(
        reverse("customers:create"),
        {"given_name": "Ann", "family_name": "Lee", "email": "ann@ex.com"},
    )
    customer = Customer.objects.get()
    assert response.url == customer.get_absolute_url()
    assert (customer.organisation, customer.display_name) == (org, "Ann Lee")


def test_malformed_email_is_shown_beside_the_field(as_alice):
    response = as_alice.post(reverse("customers:create"), {"display_name": "X", "email": "x@"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Customer.objects.exists()


def test_edit_customer(customer, as_bob, as_charlie):
    url = reverse("customers:edit", args=[customer.pk])
    assert as_charlie.post(url, {"display_name": "Hacked"}).status_code == 404
    as_bob.post(url, {"display_name": "Nick Brown Jr", "email": "nick@example.com"})
    customer.refresh_from_db()
    assert customer.display_name == "Nick Brown Jr"


def test_duplicates_page_lists_suggestions_for_the_organisation(
    org, customer, as_alice, as_charlie
):
    customer_create(organisation=org, display_name="Brown, Nick")
    assert "Brown, Nick" in as_alice.get(reverse("customers:duplicates")).content.decode()
    assert "Brown, Nick" not in as_charlie.get(reverse("customers:duplicates")).content.decode()


def test_merge_flow_choose_preview_confirm(org, customer, as_alice):
    duplicate = customer_create(organisation=org, display_name="Brown, Nick")
    InvoiceFactory(organisation=org, customer=duplicate)
    ids = f"{customer.pk},{duplicate.pk}"
    url = reverse("customers:merge")
    choose = as_alice.get(url, {"ids": ids}).content.decode()
    assert "Customer to keep" in choose and "Brown, Nick" in choose
    preview = as_alice.get(url, {"ids": ids, "keep": customer.pk}).content.decode()
    assert "1 invoice" in preview and "Merge 1 into Nick Brown" in preview
    assert not CustomerMerge.objects.exists()
    response = as_alice.post(url, {"ids": ids, "keep": customer.pk})
    assert response.url == customer.get_absolute_url()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == customer


def test_merge_refuses_another_organisations_customers(customer, as_alice, as_charlie):
    stranger = CustomerFactory()
    url = reverse("customers:merge")
    assert as_alice.get(url, {"ids": f"{customer.pk},{stranger.pk}"}).status_code == 404
    assert (
        as_charlie.post(
            url, {"ids": f"{customer.pk},{stranger.pk}", "keep": stranger.pk}
        ).status_code
        == 404
    )
    assert not CustomerMerge.objects.exists()


def test_merging_fewer_than_two_customers_explains_what_to_do(customer, as_alice):
    response = as_alice.get(reverse("customers:merge"), {"ids": customer.pk}, follow=True)
    assert "Tick at least two customers to merge." in response.content.decode()


def test_search_finds_a_phone_typed_without_area_code(customer, as_alice):
    page = as_alice.get(reverse("customers:list"), {"q": "555-0142"}).content.decode()
    assert "Nick Brown" in page


def test_card_payment_without_invoice_is_recorded_for_the_customer(customer, as_bob, as_charlie):
    url = reverse("customers:card_payment", args=[customer.pk])
    data = {"card-amount": "89.00", "card-date": "2026-11-21", "card-reference": "ch_9"}
    assert as_charlie.post(url, data).status_code == 404
    assert as_bob.post(url, data).status_code == 302
    payment = customer.payments.get()
    assert (payment.invoice, payment.source, payment.method) == (None, "online", "card")
    response = as_bob.post(url, {**data, "card-amount": "-1"})
    assert response.status_code == 400
    assert "greater than or equal to 0" in response.content.decode()
