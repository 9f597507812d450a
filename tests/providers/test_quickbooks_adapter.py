"""The QuickBooks adapter against the QuickBooks sandbox over real HTTP."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.integrations.contract import AuthExpired, PermanentError
from apps.integrations.registry import adapter_for
from apps.invoices.models import Invoice, InvoiceLine
from apps.sandbox import control
from apps.sandbox.models import SandboxRecord
from tests.factories import PaymentFactory
from tests.providers.conftest import AWKWARD, hub_customer, hub_invoice, pushed_customer, written

pytestmark = pytest.mark.django_db(transaction=True)


def stored(company, entity):
    return {r.record_id: r.data for r in written(company, entity).filter(deleted=False)}


def test_customer_is_created_found_by_email_then_name_and_updated(qbo):
    adapter, company = qbo
    customer = hub_customer(
        adapter.integration, display_name="O'Brien Plumbing", email="ob@example.com"
    )
    assert adapter.find_customer(customer) is None
    pushed = adapter.push_customer(customer, None, key="c-1")
    assert adapter.find_customer(customer).remote_id == pushed.remote_id
    customer.email = ""
    assert adapter.find_customer(customer).remote_id == pushed.remote_id  # by DisplayName
    customer.phone = "555 0100"
    updated = adapter.push_customer(customer, pushed.remote_id, key="c-2")
    assert int(updated.remote_version) > int(pushed.remote_version)
    assert stored(company, "Customer")[pushed.remote_id]["PrimaryPhone"]["FreeFormNumber"] == (
        "555 0100"
    )


def test_duplicate_display_name_of_another_person_is_kept_under_a_distinct_name(qbo):
    adapter, company = qbo
    pushed_customer(adapter, display_name="Nick Brown", email="nick@a.example")
    other = hub_customer(adapter.integration, display_name="Nick Brown", email="nick@b.example")
    assert adapter.find_customer(other) is None  # same name, another person's e-mail
    second = adapter.push_customer(other, None, key="other-nick")
    assert second.remote_name == "Nick Brown (nick@b.example)"
    names = [c["DisplayName"] for c in stored(company, "Customer").values()]
    assert names.count("Nick Brown") == 1 and "Nick Brown (nick@b.example)" in names


def test_duplicate_name_without_email_gets_a_number(qbo):
    adapter, _ = qbo
    pushed_customer(adapter, display_name="Sam Lee", email="")
    _, second = pushed_customer(adapter, display_name="Sam Lee", email="")
    assert second.remote_name == "Sam Lee (2)"


def test_same_request_id_twice_makes_one_customer(qbo):
    adapter, company = qbo
    customer = hub_customer(adapter.integration, display_name="Only Once")
    first = adapter.push_customer(customer, None, key="replayed")
    second = adapter.push_customer(customer, None, key="replayed")
    assert first.remote_id == second.remote_id
    names = [c["DisplayName"] for c in stored(company, "Customer").values()]
    assert names.count("Only Once") == 1


def test_us_invoice_total_equals_the_hub_total(qbo):
    adapter, company = qbo
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(
        adapter.integration,
        customer,
        lines=AWKWARD,
        discount="4.75",
        tax="8.875",
        billing_email="accounts@example.com",
    )
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
    data = stored(company, "Invoice")[pushed.remote_id]
    assert Decimal(str(data["TotalAmt"])) == invoice.total
    assert data["DocNumber"] == invoice.number
    assert data["BillEmail"]["Address"] == "accounts@example.com"
    assert data["TxnDate"] == invoice.issue_date.isoformat()
    assert data["DueDate"] == invoice.due_date.isoformat()
    record = adapter.fetch("invoice", pushed.remote_id).record
    assert record.total == invoice.total and record.status == "sent"


def test_canadian_invoice_sends_discount_and_tax_separately_with_equal_total(connect):
    integration, company = connect("quickbooks", "CA")
    adapter = adapter_for(integration)
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(
        integration,
        customer,
        lines=(("Roof", "2", "100.00", "0", True), ("Permit", "1", "40.00", "0", False)),
        discount="10",
        tax="5",
    )
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
    data = stored(company, "Invoice")[pushed.remote_id]
    assert Decimal(str(data["TotalAmt"])) == invoice.total
    assert Decimal(str(data["TxnTaxDetail"]["TotalTax"])) == invoice.tax_total
    assert any(line["DetailType"] == "DiscountLineDetail" for line in data["Line"])


def test_invoice_update_with_a_stale_sync_token_is_re_read_and_applied(qbo):
    adapter, company = qbo
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(adapter.integration, customer)
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
    # Someone edits the invoice in QuickBooks between our read and our write.
    real_read = adapter.client.read
    calls = []

    def read_then_someone_edits(entity, remote_id):
        current = real_read(entity, remote_id)
        if not calls:
            calls.append(1)
            other = adapter_for(adapter.integration).client
            other.update(
                "Invoice",
                {
                    "Id": remote_id,
                    "SyncToken": current["SyncToken"],
                    "PrivateNote": "edited in QBO",
                },
            )
        return current

    adapter.client.read = read_then_someone_edits
    invoice.lines.update(unit_price=Decimal("175.00"))
    updated = adapter.push_invoice(
        invoice, pushed.remote_id, customer_remote_id=contact.remote_id, key="i2"
    )
    data = stored(company, "Invoice")[pushed.remote_id]
    assert Decimal(str(data["TotalAmt"])) == Decimal("175.00")
    assert control.requests_count(company, path_contains="/invoice", status=400) == 1  # 5010
    assert data.get("PrivateNote") == "edited in QBO"  # their edit kept, ours applied on top
    version = SandboxRecord.objects.get(
        company=company, entity="Invoice", record_id=pushed.remote_id
    ).version
    assert calls and updated.remote_version == str(version) and version >= 2


def test_payment_is_linked_to_the_invoice_and_can_be_voided(qbo):
    adapter, company = qbo
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(adapter.integration, customer)
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
    payment = PaymentFactory(invoice=invoice, customer=customer, amount=Decimal("40.00"))
    paid = adapter.push_payment(
        payment, customer_remote_id=contact.remote_id, invoice_remote_id=pushed.remote_id, key="p"
    )
    record = adapter.fetch("invoice", pushed.remote_id).record
    assert record.amount_paid == Decimal("40") and record.status == "partially_paid"
    adapter.void("payment", paid.remote_id)
    assert adapter.fetch("invoice", pushed.remote_id).record.amount_paid == 0


def test_payment_without_an_invoice_is_a_sales_receipt(qbo):
    adapter, company = qbo
    customer, contact = pushed_customer(adapter)
    payment = PaymentFactory(invoice=None, customer=customer, amount=Decimal("25.00"))
    pushed = adapter.push_payment(
        payment, customer_remote_id=contact.remote_id, invoice_remote_id=None, key="sr"
    )
    assert pushed.remote_id.startswith("SalesReceipt/")
    receipt = stored(company, "SalesReceipt")[pushed.remote_id.split("/")[1]]
    assert Decimal(str(receipt["TotalAmt"])) == Decimal("25.00")
    adapter.void("payment", pushed.remote_id)


def test_invoice_void_zeroes_it_and_reads_as_cancelled(qbo):
    adapter, _ = qbo
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(adapter.integration, customer)
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
    adapter.void("invoice", pushed.remote_id)
    assert adapter.fetch("invoice", pushed.remote_id).record.status == "cancelled"


def test_invoice_bodies_use_the_exports_prefetched_lines_without_a_query_each(qbo):
    adapter, _ = qbo
    customer, contact = pushed_customer(adapter)
    numbers = [hub_invoice(adapter.integration, customer).pk for _ in range(4)]
    invoices = list(Invoice.objects.filter(pk__in=numbers).prefetch_related("lines__service_item"))
    adapter._document_body(invoices[0], "invoice", contact.remote_id)  # item refs, tax codes
    with CaptureQueriesContext(connection) as queries:
        bodies = [adapter._document_body(i, "invoice", contact.remote_id) for i in invoices[1:]]
    line_table = InvoiceLine._meta.db_table
    assert [q["sql"] for q in queries if line_table in q["sql"]] == []
    assert all(body["Line"] for body in bodies)


def test_pull_scans_everything_then_uses_change_data_capture(qbo):
    adapter, _ = qbo
    customer, contact = pushed_customer(adapter)
    pages = list(adapter.pull(["customer", "invoice", "quote", "payment"], None))
    assert pages[-1].more is False
    assert ("customer", contact.remote_id) in {
        (c.kind, c.remote_id) for page in pages for c in page.changes
    }
    invoice = hub_invoice(adapter.integration, customer)
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
    later = [c for page in adapter.pull(["invoice"], pages[-1].watermark) for c in page.changes]
    assert pushed.remote_id in [c.remote_id for c in later]


def test_token_refused_twice_is_auth_expired(qbo):
    adapter, company = qbo
    control.fault_inject(company=company, kind="401", count=2)
    with pytest.raises(AuthExpired):
        adapter.find_customer(hub_customer(adapter.integration))


def test_validation_fault_is_permanent_with_the_providers_message(qbo):
    adapter, _ = qbo
    customer = hub_customer(adapter.integration)
    invoice = hub_invoice(adapter.integration, customer)
    with pytest.raises(PermanentError) as caught:
        adapter.push_invoice(invoice, None, customer_remote_id="424242", key="x")
    assert "QuickBooks refused it" in caught.value.message


def test_invoice_create_replayed_with_its_request_id_makes_one_invoice(qbo):
    adapter, company = qbo
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(adapter.integration, customer)
    first = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="inv-k")
    again = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="inv-k")
    assert first.remote_id == again.remote_id
    assert len(stored(company, "Invoice")) == 1
    assert control.requests_count(company, path_contains="requestid=inv-k") == 2


def test_customers_are_found_and_pushed_in_batches_keeping_duplicate_names(qbo):
    adapter, company = qbo
    _, existing = pushed_customer(adapter, display_name="Ann Hill", email="ann@example.com")
    pushed_customer(adapter, display_name="Joe Bloggs", email="joe@a.example")
    ann = hub_customer(adapter.integration, display_name="Ann H.", email="ann@example.com")
    new = [hub_customer(adapter.integration, display_name=f"New {n}") for n in range(3)]
    other_joe = hub_customer(adapter.integration, display_name="Joe Bloggs", email="joe@b.example")
    found = adapter.find_customers([ann, *new, other_joe])
    assert found == {ann.pk: found[ann.pk]} and found[ann.pk].remote_id == existing.remote_id
    items = [(c, None, f"cb-{c.pk}") for c in [*new, other_joe]]
    items.append((ann, existing.remote_id, f"cb-{ann.pk}"))
    results = adapter.push_customers_batch(items)
    assert [r.remote_name for r in results] == [
        "New 0",
        "New 1",
        "New 2",
        "Joe Bloggs (joe@b.example)",
        "Ann H.",
    ]
    assert results[-1].remote_id == existing.remote_id
    assert len(stored(company, "Customer")) >= 6


def test_watermark_older_than_thirty_days_means_a_full_scan_not_change_data_capture(qbo):
    adapter, company = qbo
    old = (timezone.now() - timedelta(days=40)).isoformat()
    list(adapter.pull(["customer"], old))
    assert control.requests_count(company, path_contains="/cdc") == 0
    recent = (timezone.now() - timedelta(hours=1)).isoformat()
    list(adapter.pull(["customer"], recent))
    assert control.requests_count(company, path_contains="/cdc") == 1


def test_global_region_invoice_uses_the_companys_vat_code_and_keeps_the_total(connect):
    integration, company = connect("quickbooks", "GB")
    assert integration.region == "global"
    adapter = adapter_for(integration)
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(integration, customer, lines=AWKWARD, discount="5", tax="20")
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
    data = stored(company, "Invoice")[pushed.remote_id]
    assert Decimal(str(data["TotalAmt"])) == invoice.total
    assert Decimal(str(data["TxnTaxDetail"]["TotalTax"])) == invoice.tax_total


def test_tax_rate_the_company_has_no_code_for_is_refused_clearly(connect):
    integration, _ = connect("quickbooks", "CA")
    adapter = adapter_for(integration)
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(integration, customer, tax="7.77")
    with pytest.raises(PermanentError, match="no sales tax code at 7.77%"):
        adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
