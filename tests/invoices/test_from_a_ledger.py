"""Invoices that come from a ledger are written by the invoice services, as the ledger has them,
and go on to every other integration (never back to the one they came from)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.integrations.models import Integration
from apps.invoices.models import Invoice
from apps.invoices.services import invoice_cancel_pulled, invoice_import
from apps.sync.models import Change
from tests.factories import CustomerFactory, InvoiceFactory, line

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledgers(org):
    return [
        Integration.objects.create(
            organisation=org, provider=provider, remote_company_id="1", country="US", currency="USD"
        )
        for provider in ("quickbooks", "xero")
    ]


def imported(org, source, *, status="sent", number="1001", historical=False):
    return invoice_import(
        organisation=org,
        number=number,
        number_suffix=source.provider[:3].upper(),
        header={
            "customer": CustomerFactory(organisation=org),
            "issue_date": dt.date(2026, 11, 2),
            "due_date": dt.date(2026, 11, 16),
            "currency": "USD",
        },
        lines=[line(unit_price="80.00")],
        status=status,
        from_integration=source,
        historical=historical,
    )


def queued_for(invoice) -> set[str]:
    return set(
        Change.objects.filter(kind="invoice", object_id=invoice.pk).values_list(
            "integration__provider", flat=True
        )
    )


def test_an_invoice_from_xero_keeps_its_number_and_goes_to_quickbooks_only(org, ledgers):
    invoice = imported(org, ledgers[1])

    assert (invoice.number, invoice.status, invoice.total) == ("1001", "sent", 80)
    assert invoice.sent_at is not None
    assert queued_for(invoice) == {"quickbooks"}


def test_a_paid_invoice_arrives_as_sent_because_its_payments_follow(org, ledgers):
    assert imported(org, ledgers[1], status=Invoice.Status.PAID).status == Invoice.Status.SENT


def test_a_number_the_hub_already_uses_gets_the_ledgers_suffix(org, ledgers):
    InvoiceFactory(organisation=org, number="1001")

    assert imported(org, ledgers[0]).number == "1001-QUI"


def test_the_ledgers_history_is_kept_and_sent_nowhere(org, ledgers):
    invoice = imported(org, ledgers[0], historical=True)

    assert invoice.imported_from == ledgers[0]
    assert queued_for(invoice) == set()


def test_a_voided_invoice_is_cancelled_once_and_the_other_ledger_told(org, ledgers):
    invoice = imported(org, ledgers[1])
    Change.objects.all().delete()

    cancelled = invoice_cancel_pulled(invoice=invoice, from_integration_id=ledgers[1].pk)

    assert cancelled.status == Invoice.Status.CANCELLED and cancelled.cancelled_at
    assert queued_for(invoice) == {"quickbooks"}
    assert invoice_cancel_pulled(invoice=invoice, from_integration_id=ledgers[1].pk) is None
