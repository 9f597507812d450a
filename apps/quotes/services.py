"""A quote's life: draft → sent → accepted / declined, or cancelled; accepted converts to an
invoice. Each step is one transaction that also records the change for sync."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.services import number_allocate
from apps.common.document_services import (
    DocumentKind,
    document_apply_changes,
    document_cancel_pulled,
    document_create,
    document_import,
    document_update,
    record,
    require_status,
)
from apps.common.lines import LineInput, lines_of
from apps.invoices.models import Invoice
from apps.invoices.services import PAYMENT_TERMS, invoice_create

from .models import Quote, QuoteLine

QUOTE = DocumentKind(
    model=Quote,
    line_model=QuoteLine,
    parent_field="quote",
    end_field="expiry_date",
    prefix="QU",
    sync_kind="quote",
    editable=(Quote.Status.DRAFT, Quote.Status.SENT),
    numbering=number_allocate,
)


def _record(quote: Quote) -> None:
    record(QUOTE, quote)


def _refuse_if_converted(quote: Quote) -> None:
    if quote.converted_invoice_id:
        raise ValidationError(
            f"Quote {quote.number} was already converted to {quote.converted_invoice}."
        )


def quote_create(*, organisation, lines: list[LineInput], by=None, **header: Any) -> Quote:
    """A draft quote; ``header`` holds customer, issue_date, expiry_date, billing_email, currency,
    discount_percent, tax_rate, notes."""
    return document_create(QUOTE, organisation=organisation, lines=lines, header=header)


def quote_update(*, quote: Quote, lines: list[LineInput], by=None, **header: Any) -> Quote:
    return document_update(QUOTE, document=quote, lines=lines, header=header)


def quote_apply_changes(
    *,
    quote: Quote,
    header: dict[str, Any],
    lines: list[LineInput],
    adjustments: list[LineInput],
    status: str | None = None,
    from_integration_id: int,
) -> Quote:
    """The fields an integration changed in a linked quote (``document_apply_changes``)."""
    return document_apply_changes(
        QUOTE,
        document=quote,
        header=header,
        lines=lines,
        adjustments=adjustments,
        status=status,
        from_integration_id=from_integration_id,
    )


def quote_import(**document: Any) -> Quote:
    """A quote that originates in an integration (``document_import``)."""
    return document_import(QUOTE, **document)


def quote_cancel_pulled(*, quote: Quote, from_integration_id: int) -> Quote | None:
    """Voided or deleted in an integration (``document_cancel_pulled``)."""
    return document_cancel_pulled(QUOTE, document=quote, from_integration_id=from_integration_id)


def _transition(quote: Quote, *, allowed: tuple[str, ...], action: str, to: str, **stamp) -> Quote:
    with transaction.atomic():
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        require_status(quote, allowed, action)
        _refuse_if_converted(quote)
        quote.status = to
        for name, value in stamp.items():
            setattr(quote, name, value)
        quote.save()
        _record(quote)
    return quote


def quote_send(*, quote: Quote, by=None) -> Quote:
    if not quote.lines.exists():
        raise ValidationError("Add at least one line before sending the quote.")
    return _transition(
        quote,
        allowed=(Quote.Status.DRAFT, Quote.Status.SENT),
        action="sent",
        to=Quote.Status.SENT,
        sent_at=timezone.now(),
    )


def quote_accept(*, quote: Quote, by=None) -> Quote:
    return _transition(
        quote, allowed=(Quote.Status.SENT,), action="accepted", to=Quote.Status.ACCEPTED
    )


def quote_decline(*, quote: Quote, by=None) -> Quote:
    return _transition(
        quote, allowed=(Quote.Status.SENT,), action="declined", to=Quote.Status.DECLINED
    )


def quote_cancel(*, quote: Quote, by=None) -> Quote:
    return _transition(
        quote,
        allowed=(Quote.Status.DRAFT, Quote.Status.SENT, Quote.Status.ACCEPTED),
        action="cancelled",
        to=Quote.Status.CANCELLED,
        cancelled_at=timezone.now(),
    )


def quote_convert(*, quote: Quote, by=None) -> Invoice:
    """The accepted quote becomes a draft invoice with the same customer, terms and lines."""
    with transaction.atomic():
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        require_status(quote, (Quote.Status.ACCEPTED,), "converted to an invoice")
        today = quote.organisation.today()
        _refuse_if_converted(quote)
        invoice = invoice_create(
            organisation=quote.organisation,
            lines=lines_of(quote),
            by=by,
            customer=quote.customer,
            issue_date=today,
            due_date=today + PAYMENT_TERMS,
            billing_email=quote.billing_email,
            currency=quote.currency,
            discount_percent=quote.discount_percent,
            tax_rate=quote.tax_rate,
            notes=quote.notes,
        )
        quote.converted_invoice = invoice
        quote.save(update_fields=["converted_invoice", "updated_at"])
        _record(quote)
    return invoice


def quotes_customer_move(*, duplicate, keep) -> int:
    """A customer merge: the duplicate's quotes now belong to the customer kept (the merge
    records them for sync). Returns how many moved."""
    return Quote.objects.filter(customer=duplicate).update(customer=keep)
