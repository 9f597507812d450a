"""A document's currency is the organisation's, limited to what its connected ledgers keep: any
other is refused in the form with the reason, and never reaches a ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.common.lines import LineInput
from apps.integrations.models import Integration
from apps.invoices.models import Invoice
from apps.invoices.services import invoice_create
from apps.quotes.models import Quote
from apps.sync.models import Change
from tests.common.test_items_and_taxes import posted
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

ROW = {"description": "Replace tap washer", "quantity": "1", "unit_price": "40"}


@pytest.fixture
def customer(org):
    return CustomerFactory(organisation=org, display_name="Ann Lee", email="ann@example.com")


def connect(org, *, provider="quickbooks", currency="USD", name="Harbour Books"):
    return Integration.objects.create(
        organisation=org,
        provider=provider,
        remote_company_id=f"{provider}-1",
        remote_company_name=name,
        country="US",
        currency=currency,
    )


def test_the_currency_field_offers_only_the_organisations_currency(org, as_alice):
    body = as_alice.get(reverse("invoices:create")).content.decode()
    assert '<select name="currency"' in body
    assert '<option value="USD" selected>USD</option>' in body
    assert 'value="EUR"' not in body


@pytest.mark.parametrize("url_name", ["invoices:create", "quotes:create"])
def test_a_document_in_another_currency_is_refused_with_the_reason(
    org, customer, as_alice, url_name
):
    connect(org, name="Harbour Books")
    response = as_alice.post(reverse(url_name), posted(customer, [ROW], currency="EUR"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Documents can only be in USD" in body
    assert "Harbour Test Co works in USD" in body
    assert "Harbour Books (QuickBooks Online) in USD" in body
    assert "EUR is not accepted" in body
    assert not Invoice.objects.exists() and not Quote.objects.exists()
    assert not Change.objects.exists()  # nothing queued for a ledger to refuse


def test_a_ledger_in_another_currency_leaves_no_currency_to_choose(org, customer, as_alice):
    connect(org, provider="xero", currency="GBP", name="Harbour UK")
    response = as_alice.post(reverse("invoices:create"), posted(customer, [ROW]))
    body = response.content.decode()
    assert "Documents can only be in no currency at all" in body
    assert "Harbour UK (Xero) in GBP" in body
    assert not Invoice.objects.exists()


def test_an_invoice_already_in_another_currency_shows_it_and_is_refused_until_changed(
    org, customer, as_alice
):
    invoice = InvoiceFactory(organisation=org, customer=customer, currency="EUR")
    url = reverse("invoices:edit", args=[invoice.pk])
    assert '<option value="EUR" selected>EUR</option>' in as_alice.get(url).content.decode()
    body = as_alice.post(url, posted(customer, [ROW], currency="EUR")).content.decode()
    assert "EUR is not accepted" in body
    invoice.refresh_from_db()
    assert invoice.currency == "EUR"
    as_alice.post(url, posted(customer, [ROW], currency="USD"))
    invoice.refresh_from_db()
    assert invoice.currency == "USD"


def test_the_service_refuses_another_currency_too(org, customer):
    line = LineInput(description="Job", quantity=Decimal("1"), unit_price=Decimal("10"))
    with pytest.raises(ValidationError) as excinfo:
        invoice_create(
            organisation=org,
            customer=customer,
            issue_date=org.today(),
            currency="EUR",
            lines=[line],
        )
    assert "EUR is not accepted" in excinfo.value.message_dict["currency"][0]
