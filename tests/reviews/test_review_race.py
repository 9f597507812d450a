"""Two workers recording the same customer's first paid invoice at the same moment (two
integrations pulling their payments at once) send one review request e-mail (PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction

from apps.invoices.models import Invoice
from apps.reviews.models import ReviewRequest
from apps.reviews.services import review_request_record
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_at_once_send_one_email(org, quickbooks, eager_tasks):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for concurrent transactions")
    customer = CustomerFactory(organisation=org, email="tom@example.com")
    invoice = InvoiceFactory(organisation=org, customer=customer, status=Invoice.Status.PAID)
    barrier = threading.Barrier(2)
    recorded, errors = [], []

    def worker() -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                recorded.append(review_request_record(invoice=invoice, integration=quickbooks))
                time.sleep(0.5)  # the other insert now waits on this row until it commits
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert ReviewRequest.objects.filter(customer=customer).count() == 1
    assert len([r for r in recorded if r is not None]) == 1
    assert len(mail.outbox) == 1
