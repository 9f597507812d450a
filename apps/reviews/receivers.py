"""Review automation listens to the invoices app: a payment an integration recorded left an
invoice fully paid (``apps.invoices.signals``); and to customer merges, so a merged customer's
review request stays with the customer kept (one request per person, ever)."""

from __future__ import annotations

from apps.customers.signals import customer_merge_counted, customer_merging
from apps.invoices.signals import invoice_paid_in_integration

from .models import ReviewRequest
from .services import review_request_record


def connect() -> None:
    invoice_paid_in_integration.connect(invoice_paid, dispatch_uid="reviews.invoice_paid")
    customer_merging.connect(review_request_move, dispatch_uid="reviews.customer_move")
    customer_merge_counted.connect(review_request_count, dispatch_uid="reviews.customer_count")


def invoice_paid(sender, *, invoice, integration, **kwargs) -> None:
    review_request_record(invoice=invoice, integration=integration)


def review_request_move(sender, *, keep, duplicate, **kwargs) -> dict[str, int]:
    """The duplicate's review request moves to the customer kept, unless that customer has one
    already: either way the person is never asked twice."""
    moved = 0
    if not ReviewRequest.objects.filter(customer=keep).exists():
        moved = ReviewRequest.objects.filter(customer=duplicate).update(customer=keep)
    return {"review_requests": moved} if moved else {}  # counted only where there are some


def review_request_count(sender, *, duplicate_ids, **kwargs) -> dict[str, int]:
    count = ReviewRequest.objects.filter(customer_id__in=duplicate_ids).count()
    return {"review_requests": count} if count else {}
