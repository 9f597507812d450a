"""Pulling from Xero against the Xero sandbox over real HTTP: what a pull costs and that it
misses nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.sandbox import control
from apps.sandbox.models import SandboxRecord
from apps.sandbox.xero import entities
from tests.factories import PaymentFactory
from tests.providers.conftest import hub_invoice, pushed_customer

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = ["customer", "quote", "invoice", "payment"]  # quotes Sync from on: the most kinds


def pulled(adapter, since):
    """(what came in, the watermark to store) of one whole pull."""
    pages = list(adapter.pull(KINDS, since))
    return {(c.kind, c.remote_id) for page in pages for c in page.changes}, pages[-1].watermark


def pushed_invoice(adapter):
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(adapter.integration, customer)
    key = f"inv-{invoice.pk}"
    remote = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key=key)
    return invoice, contact, remote


def export_copies(company, remote_id: str, count: int, *, per_second: int) -> None:
    """``count`` invoices as a large export leaves them: written up to now, at a rate Xero's
    limits allow (60 calls a minute of 50 invoices is 50 a second)."""
    template = SandboxRecord.objects.get(company=company, record_id=remote_id)
    now = timezone.now()
    copies = []
    for n in range(count):
        invoice_id = str(uuid.uuid4())
        data = {**template.data, "InvoiceID": invoice_id, "InvoiceNumber": f"EXP-{n:05d}"}
        written = now - timedelta(seconds=(count - n) / per_second)
        copies.append(
            SandboxRecord(
                company=company,
                entity=entities.INVOICES,
                record_id=invoice_id,
                data=data,
                updated_at=written,
            )
        )
    SandboxRecord.objects.bulk_create(copies)


def changed_in_xero(company, remote_id: str, *, at=None) -> None:
    """Someone edits the record in Xero (``at``: the UpdatedDateUTC Xero gave it)."""
    record = SandboxRecord.objects.get(company=company, record_id=remote_id)
    record.data = {**record.data, "Reference": "changed in Xero"}
    record.updated_at = at or timezone.now()
    record.save(update_fields=["data", "updated_at"])


def test_sync_now_right_after_a_large_export_reads_xero_in_three_requests(xero):
    adapter, company = xero
    _, _, remote = pushed_invoice(adapter)
    export_copies(company, remote.remote_id, 2500, per_second=50)
    came_in, watermark = pulled(adapter, None)  # the pull that reads the export back
    assert sum(kind == "invoice" for kind, _ in came_in) == 2501

    before = control.requests_count(company)
    pulled(adapter, watermark)
    assert control.requests_count(company) - before <= 3
    # Contacts, Quotes, Invoices: no invoice is newer than the watermark, so no Payments.
    asked = [r.path for r in control.requests_log(company)][-3:]
    assert [path.split("?")[0].rsplit("/", 1)[-1] for path in asked] == [
        "Contacts",
        "Quotes",
        "Invoices",
    ]
    assert all("order=UpdatedDateUTC" in path for path in asked)


def test_payment_made_in_xero_after_the_last_pull_comes_in_with_its_invoice(xero):
    adapter, _ = xero
    invoice, contact, remote = pushed_invoice(adapter)
    _, watermark = pulled(adapter, None)
    payment = PaymentFactory(invoice=invoice, customer=invoice.customer, amount=Decimal("40.00"))
    paid = adapter.push_payment(
        payment, customer_remote_id=contact.remote_id, invoice_remote_id=remote.remote_id, key="p"
    )
    came_in, _ = pulled(adapter, watermark)
    assert {("payment", paid.remote_id), ("invoice", remote.remote_id)} <= came_in


def test_invoice_changed_in_xero_in_the_same_moment_as_the_watermark_comes_in(xero):
    adapter, company = xero
    _, _, first = pushed_invoice(adapter)
    _, watermark = pulled(adapter, None)
    newest = SandboxRecord.objects.get(company=company, record_id=first.remote_id).updated_at
    # Another invoice Xero stamped with that same millisecond, committed after the pull read.
    _, _, second = pushed_invoice(adapter)
    changed_in_xero(company, second.remote_id, at=newest)
    came_in, _ = pulled(adapter, watermark)
    assert ("invoice", second.remote_id) in came_in


def test_contact_changed_in_xero_while_a_pull_runs_comes_in_on_the_next_pull(xero):
    adapter, company = xero
    _, contact, remote = pushed_invoice(adapter)
    SandboxRecord.objects.filter(company=company).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )
    _, watermark = pulled(adapter, None)
    read = adapter.client.get_list

    def read_while_xero_changes(collection, params=None, since=None, **kwargs):
        if collection == "Invoices":
            # After Contacts were read: a contact is edited, and the invoice read a minute
            # later (a long pull) is newer than that edit by more than any overlap.
            changed_in_xero(company, contact.remote_id)
            changed_in_xero(company, remote.remote_id, at=timezone.now() + timedelta(minutes=1))
        return read(collection, params, since, **kwargs)

    adapter.client.get_list = read_while_xero_changes
    _, watermark = pulled(adapter, watermark)
    adapter.client.get_list = read
    came_in, _ = pulled(adapter, watermark)
    assert ("customer", contact.remote_id) in came_in


def test_records_changed_while_paging_are_all_read(xero):
    adapter, company = xero
    _, _, remote = pushed_invoice(adapter)
    export_copies(company, remote.remote_id, 1500, per_second=50)
    read = adapter.client.get_list
    first_page = []

    def read_while_xero_changes(collection, params=None, since=None, **kwargs):
        rows = read(collection, params, since, **kwargs)
        if collection == "Invoices" and not first_page:
            first_page.extend(rows)
            for row in rows[:20]:  # edited in Xero while the pull goes on to the next page
                changed_in_xero(company, row["InvoiceID"])
        return rows

    adapter.client.get_list = read_while_xero_changes
    came_in, _ = pulled(adapter, None)
    adapter.client.get_list = read
    assert sum(kind == "invoice" for kind, _ in came_in) == 1501


def test_watermark_stored_before_xero_pulls_used_xero_clock_still_brings_changes_in(xero):
    adapter, _ = xero
    _, _, remote = pushed_invoice(adapter)
    # The older form: the hub's clock when that pull started, just after the invoice was made.
    hub_clock = (timezone.now() + timedelta(minutes=1)).isoformat()
    came_in, watermark = pulled(adapter, hub_clock)
    assert ("invoice", remote.remote_id) in came_in
    assert watermark.startswith("{")
    _, _, later = pushed_invoice(adapter)
    came_in, _ = pulled(adapter, watermark)
    assert ("invoice", later.remote_id) in came_in
