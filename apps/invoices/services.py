"""An invoice's life: draft → sent → partially paid → paid, or cancelled (void), and its payments.

Paid states are never set by hand: amount paid and status follow from the payments that are not
voided. Each step is one transaction that also records the change for sync."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.services import number_allocate
from apps.common.changes import record_change
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
from apps.common.lines import LineInput

from .credits import invoice_refresh_balance, money_amount
from .models import Invoice, InvoiceLine, Payment
from .signals import invoice_paid_in_integration

INVOICE = DocumentKind(
    model=Invoice,
    line_model=InvoiceLine,
    parent_field="invoice",
    end_field="due_date",
    prefix="INV",
    sync_kind="invoice",
    editable=(Invoice.Status.DRAFT, Invoice.Status.SENT),
    numbering=number_allocate,
)
EDITABLE = INVOICE.editable
# How long a customer has to pay a new invoice, unless staff choose another due date.
PAYMENT_TERMS = timedelta(days=14)


def _record(invoice: Invoice) -> None:
    record(INVOICE, invoice)


def invoice_create(*, organisation, lines: list[LineInput], by=None, **header: Any) -> Invoice:
    """A draft invoice; ``header`` holds customer, issue_date, due_date, billing_email, currency,
    discount_percent, tax_rate, notes."""
    return document_create(INVOICE, organisation=organisation, lines=lines, header=header)


def invoice_update(*, invoice: Invoice, lines: list[LineInput], by=None, **header: Any) -> Invoice:
    return document_update(INVOICE, document=invoice, lines=lines, header=header)


def invoice_apply_changes(
    *,
    invoice: Invoice,
    header: dict[str, Any],
    lines: list[LineInput],
    adjustments: list[LineInput],
    status: str | None = None,
    from_integration_id: int,
) -> Invoice:
    """The fields an integration changed in a linked invoice (``document_apply_changes``)."""
    return document_apply_changes(
        INVOICE,
        document=invoice,
        header=header,
        lines=lines,
        adjustments=adjustments,
        status=status,
        from_integration_id=from_integration_id,
    )


def invoice_import(*, status: str, **document: Any) -> Invoice:
    """An invoice that originates in an integration (``document_import``). Its paid states
    follow its payments, which arrive as payments: a paid one arrives as sent."""
    if status in (Invoice.Status.PAID, Invoice.Status.PARTIALLY_PAID):
        status = Invoice.Status.SENT
    return document_import(INVOICE, status=status, **document)


def invoice_cancel_pulled(*, invoice: Invoice, from_integration_id: int) -> Invoice | None:
    """Voided or deleted in an integration (``document_cancel_pulled``)."""
    return document_cancel_pulled(
        INVOICE, document=invoice, from_integration_id=from_integration_id
    )


def invoice_send(*, invoice: Invoice, by=None) -> Invoice:
    """Mark the invoice sent (again, if it was already): from now on it goes to integrations."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        require_status(invoice, EDITABLE, "sent")
        if not invoice.lines.exists():
            raise ValidationError("Add at least one line before sending the invoice.")
        invoice.status = Invoice.Status.SENT
        invoice.sent_at = timezone.now()
        invoice.save(update_fields=["status", "sent_at", "updated_at"])
        _record(invoice)
    return invoice


def invoice_cancel(*, invoice: Invoice, by=None) -> Invoice:
    """Void the invoice. One with payments must have them voided first."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        require_status(invoice, EDITABLE, "cancelled")
        if invoice.payments.filter(voided=False).exists():
            raise ValidationError(
                f"Invoice {invoice.number} has payments; void them before cancelling it."
            )
        invoice.status = Invoice.Status.CANCELLED
        invoice.cancelled_at = timezone.now()
        invoice.save(update_fields=["status", "cancelled_at", "updated_at"])
        _record(invoice)
    return invoice


PAYABLE = (Invoice.Status.SENT, Invoice.Status.PARTIALLY_PAID)
HIDDEN_WHILE_CONNECTED = (
    "Payments are recorded in your accounting system while an integration is connected; "
    "they sync back here from there."
)


def organisation_takes_hub_payments(organisation) -> bool:
    """Add Payment is hidden while any integration is connected (docs/sync-rules.md, "Payments")."""
    return not organisation.integrations.filter(status="connected").exists()


def _add(invoice: Invoice, amount: Decimal, payment_date: date | None, **details) -> Payment:
    """Lock the invoice, check the amount against its balance, save and re-derive its status."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    require_status(invoice, PAYABLE, "paid")
    if amount > invoice.balance:
        raise ValidationError(
            {"amount": f"That is more than the balance of {invoice.balance} {invoice.currency}."}
        )
    payment = Payment.objects.create(
        invoice=invoice,
        customer=invoice.customer,
        amount=amount,
        date=payment_date or invoice.organisation.today(),
        **details,
    )
    invoice_refresh_balance(invoice)
    return payment


def payment_record(
    *,
    invoice: Invoice,
    amount,
    date: date | None = None,
    method: str = "",
    reference: str = "",
    source: str = Payment.Source.HUB,
    source_integration=None,
    by=None,
) -> Payment:
    """Record a payment against a sent invoice ("Add Payment", or one pulled from an
    integration). A payment pulled from an integration is not recorded for sync: payments stay in
    the integration they were entered in (docs/sync-rules.md, "Payments")."""
    amount = money_amount(amount)
    if source == Payment.Source.HUB and not organisation_takes_hub_payments(invoice.organisation):
        raise ValidationError(HIDDEN_WHILE_CONNECTED)
    with transaction.atomic():
        payment = _add(
            invoice,
            amount,
            date,
            method=method,
            reference=reference,
            source=source,
            source_integration=source_integration,
        )
        if source != Payment.Source.INTEGRATION:
            _record_payment(payment)
        elif payment.invoice.status == Invoice.Status.PAID:
            invoice_paid_in_integration.send(
                sender=Invoice, invoice=payment.invoice, integration=source_integration
            )
    return payment


def payment_collect_online(
    *,
    amount,
    invoice: Invoice | None = None,
    customer=None,
    date: date | None = None,
    method: str = "card",
    reference: str = "",
    stripe_charge_id: str = "",
    by=None,
) -> Payment:
    """A payment the hub collected itself (e.g. by card). Allowed whether or not integrations
    are connected; with no invoice it becomes a sales receipt in QuickBooks. With no method
    given, it was taken by card. ``stripe_charge_id``: the Stripe charge (``ch_…``) it was
    collected with, by which a Stripe payout finds it (docs/payouts.md)."""
    if (invoice is None) == (customer is None):
        raise TypeError("Pass either an invoice or a customer.")
    amount = money_amount(amount)
    method = method or "card"
    stripe_charge_id = stripe_charge_id.strip()
    if stripe_charge_id and Payment.objects.filter(stripe_charge_id=stripe_charge_id).exists():
        raise ValidationError(
            {"stripe_charge_id": f"Stripe charge {stripe_charge_id} is already recorded."}
        )
    with transaction.atomic():
        if invoice is not None:
            payment = _add(
                invoice,
                amount,
                date,
                method=method,
                reference=reference,
                source=Payment.Source.ONLINE,
                stripe_charge_id=stripe_charge_id,
            )
        else:
            payment = Payment.objects.create(
                customer=customer,
                amount=amount,
                date=date or customer.organisation.today(),
                method=method,
                reference=reference,
                source=Payment.Source.ONLINE,
                stripe_charge_id=stripe_charge_id,
            )
        _record_payment(payment)
    return payment


def payment_stripe_charge_attach(*, payment: Payment, charge_id: str) -> Payment:
    """Say which Stripe charge a card payment already recorded was collected with (a payment
    taken before Stripe was connected). Nothing to send: the charge id is not synced."""
    charge_id = charge_id.strip()
    if not charge_id.startswith("ch_"):
        raise ValidationError({"stripe_charge_id": "A Stripe charge id starts with ch_."})
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.stripe_charge_id and payment.stripe_charge_id != charge_id:
            raise ValidationError(
                {"stripe_charge_id": f"This payment is Stripe charge {payment.stripe_charge_id}."}
            )
        if Payment.objects.filter(stripe_charge_id=charge_id).exclude(pk=payment.pk).exists():
            raise ValidationError(
                {"stripe_charge_id": f"Stripe charge {charge_id} is already recorded."}
            )
        payment.stripe_charge_id = charge_id
        payment.save(update_fields=["stripe_charge_id"])
    return payment


def payment_void(*, payment: Payment, by=None) -> Payment:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.voided:
            raise ValidationError("This payment is already voided.")
        if payment.refunds.filter(voided=False).exists():
            # Money paid back of a payment that never came would stay in the books.
            raise ValidationError("This payment was refunded; void its refunds first.")
        payment.voided = True
        payment.save(update_fields=["voided"])
        if payment.invoice_id:
            invoice_refresh_balance(Invoice.objects.select_for_update().get(pk=payment.invoice_id))
        if payment.source != Payment.Source.INTEGRATION:
            _record_payment(payment)
    return payment


def _record_payment(payment: Payment) -> None:
    record_change(
        organisation_id=payment.customer.organisation_id, kind="payment", object_id=payment.pk
    )


def invoices_customer_move(*, duplicate, keep) -> dict[str, int]:
    """A customer merge: the duplicate's invoices and payments now belong to the customer kept
    (the merge records them for sync). Returns how many of each moved."""
    return {
        "invoices": Invoice.objects.filter(customer=duplicate).update(customer=keep),
        "payments": Payment.objects.filter(customer=duplicate).update(customer=keep),
    }
