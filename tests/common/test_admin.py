from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.customers.models import Customer, CustomerMerge
from apps.customers.services import customer_create
from tests.factories import (
    InvoiceFactory,
    PaymentFactory,
    QuoteFactory,
    ServiceItemFactory,
    TimeEntryFactory,
    UserFactory,
)
from tests.staff import client_for

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "accounts_organisation",
    "accounts_user",
    "accounts_numbersequence",
    "customers_customer",
    "customers_customermerge",
    "catalog_serviceitem",
    "quotes_quote",
    "invoices_invoice",
    "invoices_payment",
    "timesheets_teammember",
    "timesheets_timesheet",
    "timesheets_timeentry",
]


@pytest.fixture
def office(org):
    """A staff member of ``org`` with every permission (not a superuser)."""
    user = UserFactory(organisation=org, is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    return user


@pytest.fixture
def records(org):
    invoice = InvoiceFactory(organisation=org, number="INV-0500", status="sent")
    PaymentFactory(invoice=invoice)
    QuoteFactory(organisation=org, number="QU-0500")
    ServiceItemFactory(organisation=org)
    TimeEntryFactory(timesheet__member__organisation=org)
    InvoiceFactory(number="INV-0999")  # another organisation's


@pytest.mark.parametrize("name", CHANGELISTS)
def test_every_changelist_opens(office, records, name):
    response = client_for(office).get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("factory", [InvoiceFactory, QuoteFactory])
def test_document_change_page_shows_its_lines_with_a_computed_amount(office, org, factory):
    document = factory(organisation=org)
    name = document._meta.model_name
    page = client_for(office).get(reverse(f"admin:{name}s_{name}_change", args=[document.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="lines-0-description"' in body and 'value="Call-out"' in body
    assert 'name="lines-0-amount"' not in body  # computed by the services, never typed


def test_staff_see_only_their_organisations_rows(office, records):
    page = client_for(office).get(reverse("admin:invoices_invoice_changelist")).content.decode()
    assert "INV-0500" in page and "INV-0999" not in page


def test_admin_search_finds_a_customer_by_email(office, org):
    customer_create(organisation=org, display_name="Nick Brown", email="nick@example.com")
    page = (
        client_for(office)
        .get(reverse("admin:customers_customer_changelist"), {"q": "nick@example"})
        .content.decode()
    )
    assert "Nick Brown" in page


def test_merge_action_folds_selected_customers_into_the_oldest(office, org):
    keep = customer_create(organisation=org, display_name="Nick Brown")
    duplicate = customer_create(organisation=org, display_name="Brown, Nick")
    response = client_for(office).post(
        reverse("admin:customers_customer_changelist"),
        {"action": "merge_into_oldest", "_selected_action": [keep.pk, duplicate.pk]},
        follow=True,
    )
    assert "Merged 1 customer(s) into Nick Brown." in response.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep
    assert CustomerMerge.objects.get().merged_by == office


def test_merge_action_needs_two_customers(office, org):
    keep = customer_create(organisation=org, display_name="Nick Brown")
    response = client_for(office).post(
        reverse("admin:customers_customer_changelist"),
        {"action": "merge_into_oldest", "_selected_action": [keep.pk]},
        follow=True,
    )
    assert "Select at least two customers." in response.content.decode()
    assert not Customer.objects.filter(merged_into__isnull=False).exists()


def test_review_action_opens_the_merge_flow(office, org):
    keep = customer_create(organisation=org, display_name="Nick Brown")
    duplicate = customer_create(organisation=org, display_name="Brown, Nick")
    response = client_for(office).post(
        reverse("admin:customers_customer_changelist"),
        {"action": "review_merge", "_selected_action": [keep.pk, duplicate.pk]},
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("customers:merge") + "?ids=")
    assert not CustomerMerge.objects.exists()
