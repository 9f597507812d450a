"""Review automation listens to the invoices app: a payment an integration recorded left an
invoice fully paid (``apps.invoices.signals``)."""

from __future__ import annotations

from apps.invoices.signals import invoice_paid_in_integration

from .services import review_request_record


def connect() -> None:
    invoice_paid_in_integration.connect(invoice_paid, dispatch_uid="reviews.invoice_paid")


def invoice_paid(sender, *, invoice, integration, **kwargs) -> None:
    review_request_record(invoice=invoice, integration=integration)
