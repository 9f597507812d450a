from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.integrations.models import Integration
from apps.invoices.models import Invoice
from apps.quotes import services
from apps.quotes.models import Quote
from apps.sync.models import Change
from tests.factories import CustomerFactory, line

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def customer(org):
    return CustomerFactory(organisation=org)


def make(org, customer, **header):
    return services.quote_create(
        organisation=org,
        customer=customer,
        issue_date=TODAY,
        lines=[line(quantity="3", unit_price="20.00", discount_percent=Decimal("10"))],
        **header,
    )


def test_new_quote_is_a_numbered_draft_with_totals(org, customer):
    quote = make(org, customer, discount_percent=Decimal("5"), tax_rate=Decimal("10"))
    assert quote.number == "QU-0001" and quote.status == Quote.Status.DRAFT
    # 60 less 10 % line discount = 54; less 5 % document discount = 51.30; tax 5.13
    assert (quote.subtotal, quote.discount_total, quote.tax_total, quote.total) == (
        Decimal("60.00"),
        Decimal("8.70"),
        Decimal("5.13"),
        Decimal("56.43"),
    )


def test_expiry_before_issue_date_is_refused(org, customer):
    with pytest.raises(ValidationError) as excinfo:
        make(org, customer, expiry_date=TODAY - dt.timedelta(days=1))
    assert "expiry date cannot be before" in excinfo.value.message_dict["expiry_date"][0]
    assert not Quote.objects.exists()


def test_a_quote_goes_sent_then_accepted_then_converts_to_a_draft_invoice(org, customer):
    quote = services.quote_send(quote=make(org, customer))
    quote = services.quote_accept(quote=quote)
    invoice = services.quote_convert(quote=quote)
    quote.refresh_from_db()
    assert quote.converted_invoice == invoice
    assert invoice.status == Invoice.Status.DRAFT and invoice.number == "INV-0001"
    assert invoice.customer == customer and invoice.total == quote.total
    assert invoice.due_date == invoice.issue_date + dt.timedelta(days=14)
    assert [each.description for each in invoice.lines.all()] == ["Labour"]


@pytest.mark.parametrize(
    ("steps", "action", "message"),
    [
        ([], services.quote_accept, "is draft, so it cannot be accepted"),
        ([], services.quote_convert, "is draft, so it cannot be converted"),
        ([services.quote_send, services.quote_decline], services.quote_accept, "is declined"),
        ([services.quote_cancel], services.quote_send, "is cancelled, so it cannot be sent"),
    ],
)
def test_illegal_transitions_are_refused(org, customer, steps, action, message):
    quote = make(org, customer)
    for step in steps:
        quote = step(quote=quote)
    with pytest.raises(ValidationError, match=message):
        action(quote=quote)


def test_a_quote_converts_once(org, customer):
    quote = services.quote_accept(quote=services.quote_send(quote=make(org, customer)))
    services.quote_convert(quote=quote)
    with pytest.raises(ValidationError, match="already converted"):
        services.quote_convert(quote=quote)
    with pytest.raises(ValidationError, match="already converted"):
        services.quote_cancel(quote=quote)
    assert Invoice.objects.count() == 1


def test_editing_an_accepted_quote_is_refused(org, customer):
    quote = services.quote_accept(quote=services.quote_send(quote=make(org, customer)))
    with pytest.raises(ValidationError, match="cannot be edited"):
        services.quote_update(quote=quote, lines=[line()], customer=customer, issue_date=TODAY)


def test_every_step_is_recorded_for_sync(org, customer):
    integration = Integration.objects.create(
        organisation=org, provider="xero", remote_company_id="t", country="US", currency="USD"
    )
    quote = make(org, customer)
    Change.objects.all().delete()
    services.quote_send(quote=quote)
    assert Change.objects.filter(integration=integration, kind="quote", object_id=quote.pk).exists()
