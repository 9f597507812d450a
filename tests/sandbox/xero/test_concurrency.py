from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor == "sqlite", reason="row locks need PostgreSQL")
def test_concurrent_creates_get_distinct_invoice_numbers(xero):
    body = {
        "Type": "ACCREC",
        "Contact": {"Name": "Bayside Club"},
        "LineItems": [{"Description": "Visit", "UnitAmount": 50, "AccountCode": "200"}],
    }

    def create(_):
        return xero.put("/Invoices", json={"Invoices": [body]}).json()["Invoices"][0]

    with ThreadPoolExecutor(max_workers=5) as pool:
        invoices = list(pool.map(create, range(5)))
    numbers = sorted(invoice["InvoiceNumber"] for invoice in invoices)
    assert numbers == ["INV-0001", "INV-0002", "INV-0003", "INV-0004", "INV-0005"]
