"""Every write of payouts (docs/payouts.md). Stripe's answers arrive here already read and
converted to Decimal by apps.integrations.stripe_payouts; this app knows nothing of Stripe's
wire format, only of what a payout and its balance transactions say."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

from apps.common.changes import record_change
from apps.common.money import ZERO
from apps.invoices.models import Payment

from .models import Payout, PayoutLine

KIND = "payout"


@dataclass(frozen=True)
class TransactionFacts:
    balance_transaction_id: str
    kind: str
    source_id: str
    gross: Decimal
    fee: Decimal
    net: Decimal
    description: str = ""


@dataclass(frozen=True)
class PayoutFacts:
    stripe_payout_id: str
    status: str  # "paid" or "failed"
    currency: str
    amount: Decimal
    arrival_date: date
    failure_message: str = ""
    transactions: list[TransactionFacts] = field(default_factory=list)


class PayoutMismatch(ValueError):
    """The balance transactions do not add up to the payout's amount."""


def payout_record(*, organisation, facts: PayoutFacts) -> tuple[Payout, bool]:
    """Record a paid or failed payout once; a payout already recorded only changes status
    (paid → failed). Returns (payout, whether anything changed). Each change is queued for
    every integration with payouts on, in the same transaction."""
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update()
            .filter(stripe_payout_id=facts.stripe_payout_id)
            .first()
        )
        if payout is not None:
            if payout.organisation_id != organisation.pk:
                raise PayoutMismatch("This payout belongs to another organisation.")
            if payout.status == facts.status:
                return payout, False
            payout.status = facts.status
            payout.failure_message = facts.failure_message[:500]
            payout.save(update_fields=["status", "failure_message", "updated_at"])
        else:
            payout = _create(organisation, facts)
        record_change(organisation_id=organisation.pk, kind=KIND, object_id=payout.pk)
    return payout, True


def _create(organisation, facts: PayoutFacts) -> Payout:
    lines = [t for t in facts.transactions if t.kind not in ("payout", "payout_cancel")]
    net = sum((t.net for t in lines), ZERO)
    if facts.status == Payout.Status.PAID and net != facts.amount:
        raise PayoutMismatch(
            f"The payout's balance transactions come to {net}, not its amount {facts.amount}."
        )
    charges = [t.source_id for t in lines if t.kind == "charge" and t.source_id]
    payments = {
        p.stripe_charge_id: p
        for p in Payment.objects.filter(
            stripe_charge_id__in=charges, customer__organisation=organisation
        )
    }
    rows = [
        PayoutLine(
            balance_transaction_id=t.balance_transaction_id,
            kind=t.kind,
            source_id=t.source_id,
            description=t.description[:500],
            gross=t.gross,
            fee=t.fee,
            net=t.net,
            payment=payments.get(t.source_id) if t.kind == "charge" else None,
        )
        for t in lines
    ]
    payout = Payout.objects.create(
        organisation=organisation,
        stripe_payout_id=facts.stripe_payout_id,
        status=facts.status,
        currency=facts.currency.upper(),
        amount=facts.amount,
        gross=sum((t.gross for t in lines), ZERO),
        fees=sum((t.fee for t in lines), ZERO),
        unknown_amount=sum((row.gross for row in rows if row.unknown), ZERO),
        arrival_date=facts.arrival_date,
        failure_message=facts.failure_message[:500],
    )
    for row in rows:
        row.payout = payout
    PayoutLine.objects.bulk_create(rows)
    return payout
