"""Previous / Next on a list keep its filters and search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.common.views import PAGE_SIZE
from tests.factories import CustomerFactory, InvoiceFactory, ServiceItemFactory

pytestmark = pytest.mark.django_db


def test_next_page_of_a_search_keeps_the_search_text(org, as_alice):
    CustomerFactory.create_batch(PAGE_SIZE + 1, organisation=org, company_name="Smith & Sons")
    page = as_alice.get(reverse("customers:list"), {"q": "Smith & Sons"}).content.decode()
    assert 'href="?q=Smith+%26+Sons&amp;page=2"' in page


def test_next_page_of_a_status_filter_keeps_the_status(org, as_alice):
    InvoiceFactory.create_batch(PAGE_SIZE + 1, organisation=org, status="paid")
    page = as_alice.get(reverse("invoices:list"), {"status": "paid"}).content.decode()
    assert 'href="?status=paid&amp;page=2"' in page


def test_previous_page_of_all_items_keeps_showing_inactive_ones(org, as_alice):
    ServiceItemFactory.create_batch(PAGE_SIZE + 1, organisation=org, active=False)
    page = as_alice.get(reverse("catalog:list"), {"show": "all", "page": "2"}).content.decode()
    assert 'href="?show=all&amp;page=1"' in page
