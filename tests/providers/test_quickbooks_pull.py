"""Pulling from QuickBooks against the QuickBooks sandbox over real HTTP: a quiet pull is one
change data capture request, and a busy one misses nothing beyond CDC's 1,000 objects."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.integrations.quickbooks import limits, reading
from apps.sandbox import control
from apps.sandbox.models import SandboxRecord
from tests.providers.conftest import hub_invoice, pushed_customer

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = ["customer", "quote", "invoice", "payment"]


def pulled(adapter, since):
    """(the pages of one whole pull, what came in by (kind, remote id))."""
    pages = list(adapter.pull(KINDS, since))
    return pages, {(c.kind, c.remote_id): c for page in pages for c in page.changes}


def pushed_invoice(adapter):
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(adapter.integration, customer)
    key = f"inv-{invoice.pk}"
    remote = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key=key)
    return contact, remote


def export_copies(company, remote_id: str, count: int) -> list[str]:
    """``count`` invoices as a large export leaves them, written over the last half minute;
    made in the sandbox's store directly, as the API would take minutes. Their ids."""
    template = SandboxRecord.objects.get(company=company, entity="Invoice", record_id=remote_id)
    now = timezone.now()
    copies = [
        SandboxRecord(
            company=company,
            entity="Invoice",
            record_id=str(100_000 + n),
            data={**template.data, "DocNumber": f"EXP-{n:05d}"},
            updated_at=now - timedelta(seconds=30 * (count - n) / count),
        )
        for n in range(count)
    ]
    SandboxRecord.objects.bulk_create(copies)
    return [copy.record_id for copy in copies]


def last_changed_an_hour_ago(company) -> None:
    """The company was quiet for the last hour (the export below is stamped over the last half
    minute, so the pull before it must not have read anything that recent)."""
    SandboxRecord.objects.filter(company=company).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )


def pulled_then_exported(adapter, company, count: int):
    """A quiet company pulled once, then ``count`` invoices exported to it: (the pages of
    that pull, the exported invoices' ids)."""
    _, remote = pushed_invoice(adapter)
    last_changed_an_hour_ago(company)
    pages, _ = pulled(adapter, None)
    return pages, export_copies(company, remote.remote_id, count)


def changed_in_quickbooks(company, remote_id: str, **fields) -> None:
    record = SandboxRecord.objects.get(company=company, entity="Invoice", record_id=remote_id)
    record.data = {**record.data, "PrivateNote": "changed in QuickBooks"}
    record.version += 1
    record.updated_at = timezone.now()
    for name, value in fields.items():
        setattr(record, name, value)
    record.save()


def invoices_in(came_in) -> set[str]:
    return {rid for (kind, rid), c in came_in.items() if kind == "invoice" and not c.deleted}


def test_pull_after_more_than_a_thousand_changes_brings_every_record_in(qbo):
    adapter, company = qbo
    contact, remote = pushed_invoice(adapter)
    last_changed_an_hour_ago(company)
    pages, _ = pulled(adapter, None)
    # Deleted before a large export, then the customer deactivated after it.
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    changed_in_quickbooks(company, remote.remote_id, deleted=True, updated_at=a_minute_ago)
    exported = export_copies(company, remote.remote_id, 1500)
    adapter.void("customer", contact.remote_id)

    before = control.requests_count(company)
    pages, came_in = pulled(adapter, pages[-1].watermark)
    assert invoices_in(came_in) == set(exported)
    assert came_in[("invoice", remote.remote_id)].deleted
    assert came_in[("customer", contact.remote_id)].record.active is False
    # CDC, then a page of each kind but invoices, which take two.
    assert control.requests_count(company) - before == 6
    # Only the last page moves the watermark: an interrupted pull reads it all again.
    assert [page.watermark for page in pages[:-1]] == [""] * (len(pages) - 1)
    assert pages[-1].watermark and pages[-1].more is False


def test_pull_with_fewer_than_a_thousand_changes_is_one_request(qbo):
    adapter, company = qbo
    pages, exported = pulled_then_exported(adapter, company, limits.CDC_MAX_OBJECTS - 1)

    before = control.requests_count(company)
    pages, came_in = pulled(adapter, pages[-1].watermark)
    assert control.requests_count(company) - before == 1
    assert invoices_in(came_in) == set(exported)
    assert len(pages) == 1 and pages[0].watermark


def test_invoices_changed_in_quickbooks_while_a_long_pull_pages_are_all_read(qbo):
    adapter, company = qbo
    pages, exported = pulled_then_exported(adapter, company, 1500)
    query = adapter.client.query
    first_page = []

    def query_while_quickbooks_changes(select):
        rows = query(select)
        if "from Invoice" in select and not first_page:
            first_page.extend(rows)
            for row in rows[-20:]:  # edited in QuickBooks while the pull goes on paging
                changed_in_quickbooks(company, row["Id"])
        return rows

    adapter.client.query = query_while_quickbooks_changes
    _, came_in = pulled(adapter, pages[-1].watermark)
    adapter.client.query = query
    assert invoices_in(came_in) == set(exported)


@pytest.mark.parametrize(
    ("counts", "cut_off"),
    [
        ({"Customer": 2, "Invoice": 997}, []),
        ({"Customer": 2, "Invoice": 998}, ["Customer", "Invoice"]),  # the cap in all
        ({"Customer": 1000, "Invoice": 5, "Payment": 0}, ["Customer"]),  # counted per entity
        ({"Customer": 1000, "Invoice": 1000}, ["Customer", "Invoice"]),
    ],
)
def test_change_data_capture_answer_at_its_cap_is_read_again(counts, cut_off):
    found = {entity: [{"Id": str(n)} for n in range(count)] for entity, count in counts.items()}
    assert reading.cdc_cut_off(found, limits.CDC_MAX_OBJECTS) == cut_off


def test_a_quiet_pull_right_after_a_large_export_is_one_request(qbo):
    adapter, company = qbo
    pages, exported = pulled_then_exported(adapter, company, 1500)
    pages, came_in = pulled(adapter, pages[-1].watermark)  # reads the export in
    assert set(exported) <= invoices_in(came_in)

    before = control.requests_count(company)
    quiet, _ = pulled(adapter, pages[-1].watermark)
    assert control.requests_count(company) - before == 1

    # Saved in QuickBooks in the very second of the watermark, but after the pull read it.
    stamped = datetime.fromisoformat(quiet[-1].watermark)
    changed_in_quickbooks(company, exported[0], updated_at=stamped)
    _, came_in = pulled(adapter, quiet[-1].watermark)
    assert exported[0] in invoices_in(came_in)


def test_a_quiet_company_keeps_its_watermark_current_in_the_hubs_clock(qbo):
    adapter, company = qbo
    SandboxRecord.objects.filter(company=company).update(
        updated_at=timezone.now() - timedelta(days=20)
    )
    pages, _ = pulled(adapter, (timezone.now() - timedelta(days=25)).isoformat())
    # Nothing changed for weeks: the watermark still moves, so it never ages into a full scan.
    watermark = datetime.fromisoformat(pages[-1].watermark)
    assert timezone.now() - watermark <= timedelta(seconds=limits.CDC_SETTLED_SECONDS + 60)
