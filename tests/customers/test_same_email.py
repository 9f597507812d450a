"""No silent duplicates: an e-mail another customer already has is noticed whatever its case or
spacing, and the form offers that customer, a merge, or saving anyway."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.customers.matching import customer_find_match, normalise_email, same_email
from apps.customers.models import Customer
from apps.customers.services import customer_create
from apps.integrations.contract import Pushed
from apps.integrations.directory import CustomerDirectory, may_be_same_person
from tests.factories import UserFactory
from tests.staff import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def tom(org):
    return customer_create(
        organisation=org, given_name="Tom", family_name="Green", email="tom.green@example.com"
    )


def new_customer(**overrides) -> dict:
    return {"given_name": "Thomas", "family_name": "Green", "email": " Tom.Green@Example.COM "} | (
        overrides
    )


def test_email_keys_ignore_case_and_every_whitespace():
    assert normalise_email(" Tom.Green@Example.COM\t") == "tom.green@example.com"
    assert normalise_email("tom.green @example.com") == "tom.green@example.com"
    assert same_email("TOM.green@example.com ", "tom.green@example.com")
    assert not same_email("", "")


def test_ledger_directories_and_name_matches_use_the_same_key():
    directory = CustomerDirectory(str.lower)
    pushed = Pushed(remote_id="7", remote_version="0")
    directory.add(name="Tom Green", email="Tom.Green@Example.com ", pushed=pushed)
    assert directory.match(name="Someone", email=" tom.green@example.COM") is pushed
    assert may_be_same_person(" TOM.GREEN@example.com", "tom.green@example.com")
    assert not may_be_same_person("tom@example.com", "thomas@example.com")


def test_a_pulled_customer_matches_by_email_in_any_case(org, tom):
    found = customer_find_match(
        organisation=org, email="TOM.GREEN@EXAMPLE.COM  ", name="T. Green", phone=""
    )
    assert found == tom


def test_saving_an_email_another_customer_has_warns_and_saves_nothing(tom, as_alice):
    response = as_alice.post(reverse("customers:create"), new_customer())
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="same-email"' in body
    assert f'<a href="{tom.get_absolute_url()}">Tom Green</a>' in body
    assert "already has the e-mail" in body
    assert 'value="merge"' in body and 'value="save"' in body
    assert Customer.objects.count() == 1


def test_save_anyway_keeps_both_customers(tom, as_alice):
    response = as_alice.post(reverse("customers:create"), new_customer(same_email="save"))
    thomas = Customer.objects.exclude(pk=tom.pk).get()
    assert response.status_code == 302 and response.url == thomas.get_absolute_url()


def test_save_then_merge_opens_the_merge_page_for_both(tom, as_alice):
    response = as_alice.post(reverse("customers:create"), new_customer(same_email="merge"))
    thomas = Customer.objects.exclude(pk=tom.pk).get()
    assert response.url == f"{reverse('customers:merge')}?ids={thomas.pk},{tom.pk}"
    page = as_alice.get(response.url).content.decode()
    assert "Thomas Green" in page and "Tom Green" in page


def test_editing_to_another_customers_email_warns_too(org, tom, as_bob):
    other = customer_create(organisation=org, display_name="Ann Lee", email="ann@example.com")
    url = reverse("customers:edit", args=[other.pk])
    body = as_bob.post(url, {"display_name": "Ann Lee", "email": "TOM.GREEN@example.com"})
    assert 'data-testid="same-email"' in body.content.decode()
    other.refresh_from_db()
    assert other.email == "ann@example.com"


def test_a_customer_keeping_its_own_email_is_not_warned_about_itself(tom, as_alice):
    url = reverse("customers:edit", args=[tom.pk])
    response = as_alice.post(
        url, {"given_name": "Tom", "family_name": "Green", "email": tom.email, "phone": "555"}
    )
    assert response.status_code == 302


def test_another_organisations_customer_with_that_email_is_neither_shown_nor_warned(
    tom, as_charlie
):
    response = as_charlie.post(reverse("customers:create"), new_customer())
    assert response.status_code == 302
    assert "Tom Green" not in as_charlie.get(response.url).content.decode()


@pytest.fixture
def admin_client(org):
    return client_for(UserFactory(organisation=org, is_staff=True, is_superuser=True))


def admin_values(org, **overrides) -> dict:
    return {"organisation": org.pk, "display_name": "Tom Green", "email": "tom@example.com"} | (
        overrides
    )


def test_a_customer_added_in_the_admin_gets_the_same_email_key(org, admin_client):
    url = reverse("admin:customers_customer_add")
    response = admin_client.post(url, admin_values(org, email="Tom.Green@Example.COM"))
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.email_normalised == "tom.green@example.com"
    found = customer_find_match(organisation=org, email="tom.green@example.com", name="", phone="")
    assert found == customer


def test_an_email_changed_in_the_admin_moves_its_matching_key(org, tom, admin_client):
    url = reverse("admin:customers_customer_change", args=[tom.pk])
    admin_client.post(url, admin_values(org, email="thomas@example.com"))
    tom.refresh_from_db()
    assert (tom.email, tom.email_normalised) == ("thomas@example.com", "thomas@example.com")


def test_the_admin_refuses_what_the_services_refuse_beside_the_field(org, admin_client):
    url = reverse("admin:customers_customer_add")
    response = admin_client.post(url, admin_values(org, billing_country="U"))
    assert response.status_code == 200
    assert "Use the two-letter country code" in response.content.decode()
    assert not Customer.objects.exists()
