"""Every money, quantity and rate a form or service takes fits the column it is stored in: a
number too large is a clear field error, never a saved record that breaks every page after."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.catalog.models import ServiceItem
from apps.common.bounds import column_limit, limit_of
from apps.common.documents import DocumentLine
from apps.common.lines import LineInput
from apps.invoices.models import Invoice, Payment
from apps.invoices.services import invoice_create, payment_collect_online
from apps.quotes.models import Quote
from apps.timesheets.models import TeamMember
from tests.common.test_items_and_taxes import posted
from tests.factories import CustomerFactory, InvoiceFactory, UserFactory
from tests.staff import client_for

pytestmark = pytest.mark.django_db

HUGE_QUANTITY = "99999999999"
HUGE_PRICE = "999999999999999"


@pytest.fixture
def customer(org):
    return CustomerFactory(organisation=org, display_name="Ann Lee", email="ann@example.com")


def test_the_limit_is_read_from_the_model_fields_digits():
    assert column_limit(Invoice._meta.get_field("total")) == Decimal("999999999999.99")
    field = DocumentLine._meta.get_field("unit_price")
    whole = field.max_digits - field.decimal_places
    assert limit_of(DocumentLine, "unit_price") == Decimal(10) ** whole - Decimal(10) ** (
        -field.decimal_places
    )


@pytest.mark.parametrize("url_name", ["invoices:create", "quotes:create"])
def test_a_huge_quantity_and_price_are_field_errors_and_nothing_is_saved(
    customer, as_alice, url_name
):
    row = {"description": "Everything", "quantity": HUGE_QUANTITY, "unit_price": HUGE_PRICE}
    response = as_alice.post(reverse(url_name), posted(customer, [row]))
    body = response.content.decode()
    assert response.status_code == 200
    quantity_limit = f"{limit_of(DocumentLine, 'quantity'):,}"
    price_limit = f"{limit_of(DocumentLine, 'unit_price'):,}"
    assert body.count(f"Enter at most {quantity_limit}.") >= 1
    assert f"Enter at most {price_limit}." in body
    assert not Invoice.objects.exists() and not Quote.objects.exists()
    assert as_alice.get(reverse("invoices:list")).status_code == 200


def test_a_line_amount_beyond_its_column_is_refused(customer, as_alice):
    quantity = limit_of(DocumentLine, "quantity")
    price = limit_of(DocumentLine, "unit_price")
    row = {"description": "Too much", "quantity": str(quantity), "unit_price": str(price)}
    body = as_alice.post(reverse("invoices:create"), posted(customer, [row])).content.decode()
    assert "Line 1: its amount" in body and "is more than a line can hold" in body
    assert not Invoice.objects.exists()


def test_document_totals_beyond_their_column_are_refused(customer, as_alice):
    # Each line (500,000,000,000.00) fits its column; three together pass the invoice's.
    row = {"description": "A third", "quantity": "100", "unit_price": "5000000000"}
    assert Decimal(500_000_000_000) * 3 > limit_of(Invoice, "subtotal")
    data = posted(customer, [row, row, row])
    body = as_alice.post(reverse("invoices:create"), data).content.decode()
    assert "The invoice&#x27;s subtotal, 1,500,000,000,000.00, is more than one invoice" in body
    assert "Line 1" not in body
    assert not Invoice.objects.exists()


def test_a_pulled_or_service_made_price_of_ten_to_the_23_is_refused(org, customer):
    line = LineInput(description="Job", quantity=Decimal("1"), unit_price=Decimal("1e23"))
    with pytest.raises(ValidationError) as excinfo:
        invoice_create(organisation=org, customer=customer, issue_date=org.today(), lines=[line])
    assert "Line 1: the unit price can be at most" in excinfo.value.message_dict["lines"][0]
    assert not Invoice.objects.exists()


def test_running_totals_with_huge_numbers_answer_without_error(customer, as_alice):
    row = {"description": "Everything", "quantity": HUGE_QUANTITY, "unit_price": HUGE_PRICE}
    response = as_alice.post(reverse("invoices:totals"), posted(customer, [row]))
    assert response.status_code == 200


def test_a_huge_card_payment_is_a_field_error(customer, as_alice):
    url = reverse("customers:card_payment", args=[customer.pk])
    response = as_alice.post(url, {"card-amount": HUGE_PRICE, "card-date": "2026-11-20"})
    assert response.status_code == 400
    assert f"Enter at most {limit_of(Payment, 'amount'):,}." in response.content.decode()
    assert not Payment.objects.exists()


def test_the_payment_service_refuses_an_amount_beyond_its_column(customer):
    with pytest.raises(ValidationError) as excinfo:
        payment_collect_online(customer=customer, amount=Decimal("1e15"))
    assert "Enter at most" in excinfo.value.message_dict["amount"][0]


def test_a_huge_item_price_is_a_field_error(org, as_alice):
    response = as_alice.post(reverse("catalog:create"), {"name": "Gold", "unit_price": HUGE_PRICE})
    assert f"Enter at most {limit_of(ServiceItem, 'unit_price'):,}." in response.content.decode()
    assert not ServiceItem.objects.exists()


def test_a_huge_hourly_rate_is_a_field_error(org, as_alice):
    response = as_alice.post(
        reverse("timesheets:member_add"), {"name": "Sam", "hourly_rate": HUGE_PRICE}
    )
    assert f"Enter at most {limit_of(TeamMember, 'hourly_rate'):,}." in response.content.decode()
    assert not TeamMember.objects.exists()


def test_the_admin_refuses_a_huge_item_price_beside_the_field(org):
    admin = client_for(UserFactory(organisation=org, is_staff=True, is_superuser=True))
    response = admin.post(
        reverse("admin:catalog_serviceitem_add"),
        {"organisation": org.pk, "name": "Gold", "unit_price": HUGE_PRICE, "active": "on"},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not ServiceItem.objects.exists()
    assert admin.get(reverse("admin:invoices_invoice_changelist")).status_code == 200


def test_the_admin_refuses_a_huge_default_tax_rate(org):
    admin = client_for(UserFactory(organisation=org, is_staff=True, is_superuser=True))
    url = reverse("admin:accounts_organisation_change", args=[org.pk])
    response = admin.post(
        url,
        {
            "name": org.name,
            "country": "US",
            "currency": "USD",
            "time_zone": "America/New_York",
            "default_tax_rate": "1000",
        },
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    org.refresh_from_db()
    assert org.default_tax_rate == Decimal("0")


def _admin_post_data(response) -> dict:
    """The change form's current values, as the browser would post them back."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{k}": v for k, v in management.initial.items()})
        forms += inline.formset.forms
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or value is False or name in ("DELETE",):
                continue
            data[form.add_prefix(name)] = getattr(value, "pk", value)
    return data


def test_the_admin_refuses_a_huge_line_quantity_on_an_invoice(org, customer):
    invoice = InvoiceFactory(organisation=org, customer=customer)
    admin = client_for(UserFactory(organisation=org, is_staff=True, is_superuser=True))
    url = reverse("admin:invoices_invoice_change", args=[invoice.pk])
    data = _admin_post_data(admin.get(url))
    assert admin.post(url, data).status_code == 302  # the values as they are save
    line_prefix = next(k for k in data if k.endswith("-0-quantity")).removesuffix("quantity")
    data[f"{line_prefix}quantity"] = HUGE_QUANTITY
    response = admin.post(url, data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert invoice.lines.get().quantity == Decimal("1")
    assert admin.get(reverse("admin:invoices_invoice_changelist")).status_code == 200
