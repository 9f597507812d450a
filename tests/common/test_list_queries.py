"""List pages read their rows in a fixed number of queries, however many rows there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    CustomerFactory,
    InvoiceFactory,
    PaymentFactory,
    QuoteFactory,
    ServiceItemFactory,
    TimeEntryFactory,
    TimesheetFactory,
)

pytestmark = pytest.mark.django_db


def _customer_rows(org, n):
    CustomerFactory.create_batch(n, organisation=org)


def _duplicate_rows(org, n):
    for _ in range(n):
        first = CustomerFactory(organisation=org)
        CustomerFactory(organisation=org, email=first.email.upper())


def _item_rows(org, n):
    ServiceItemFactory.create_batch(n, organisation=org)


def _quote_rows(org, n):
    QuoteFactory.create_batch(n, organisation=org)


def _invoice_rows(org, n):
    for _ in range(n):
        PaymentFactory(invoice=InvoiceFactory(organisation=org, status="sent"))


def _timesheet_rows(org, n):
    for _ in range(n):
        TimeEntryFactory(timesheet=TimesheetFactory(member__organisation=org))


PAGES = {
    "customers:list": _customer_rows,
    "customers:duplicates": _duplicate_rows,
    "catalog:list": _item_rows,
    "quotes:list": _quote_rows,
    "invoices:list": _invoice_rows,
    "timesheets:list": _timesheet_rows,
    "dashboard": _invoice_rows,
}


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", PAGES)
def test_list_page_queries_do_not_grow_with_its_rows(as_alice, org, name):
    url = reverse(name)
    PAGES[name](org, 1)
    few = _queries(as_alice, url)
    PAGES[name](org, 4)
    assert _queries(as_alice, url) == few


def _history(customer, n):
    QuoteFactory.create_batch(n, organisation=customer.organisation, customer=customer)
    for _ in range(n):
        invoice = InvoiceFactory(
            organisation=customer.organisation, customer=customer, status="sent"
        )
        PaymentFactory(invoice=invoice)
    PaymentFactory.create_batch(n, invoice=None, customer=customer)


def test_customer_page_queries_do_not_grow_with_its_documents_and_payments(as_alice, org):
    customer = CustomerFactory(organisation=org)
    _history(customer, 1)
    few = _queries(as_alice, customer.get_absolute_url())
    _history(customer, 3)
    assert _queries(as_alice, customer.get_absolute_url()) == few
