"""The Xero adapter against the Xero sandbox over real HTTP."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import pytest

from apps.integrations.contract import PermanentError
from apps.integrations.registry import adapter_for
from apps.integrations.xero import batches
from apps.integrations.xero.batches import LOOKUP_URL_BUDGET, lookup_groups
from apps.sandbox import control
from apps.sandbox.models import SandboxRecord
from tests.factories import PaymentFactory
from tests.providers.conftest import (
    AWKWARD,
    hub_customer,
    hub_invoice,
    mapping_reads_of_batches,
    pushed_customer,
)

pytestmark = pytest.mark.django_db(transaction=True)


def stored(company, entity):
    return [r.data for r in SandboxRecord.objects.filter(company=company, entity=entity)]


def test_customer_is_created_found_by_email_and_updated(xero):
    adapter, company = xero
    customer = hub_customer(
        adapter.integration, display_name="Nick Brown", email="nick@example.com"
    )
    assert adapter.find_customer(customer) is None
    pushed = adapter.push_customer(customer, None, key="c-1")
    assert pushed.remote_name == "Nick Brown"
    assert adapter.find_customer(customer).remote_id == pushed.remote_id
    customer.phone = "555 0100"
    again = adapter.push_customer(customer, pushed.remote_id, key="c-1u")
    assert again.remote_id == pushed.remote_id
    contact = next(c for c in stored(company, "Contacts") if c["ContactID"] == pushed.remote_id)
    assert contact["Phones"][0]["PhoneNumber"] == "555 0100"


def test_repeated_create_with_the_same_key_makes_one_contact(xero):
    adapter, company = xero
    customer = hub_customer(adapter.integration, display_name="Once Only")
    first = adapter.push_customer(customer, None, key="same-key")
    second = adapter.push_customer(customer, None, key="same-key")
    assert first.remote_id == second.remote_id
    assert [c["Name"] for c in stored(company, "Contacts")].count("Once Only") == 1


def test_duplicate_contact_name_of_someone_else_is_created_under_a_distinct_name(xero):
    adapter, company = xero
    first = hub_customer(adapter.integration, display_name="Nick Brown", email="nick@a.example")
    adapter.push_customer(first, None, key="k1")
    other = hub_customer(adapter.integration, display_name="Nick Brown", email="nick@b.example")
    assert adapter.find_customer(other) is None  # same name, another person's e-mail
    pushed = adapter.push_customer(other, None, key="k2")
    assert pushed.remote_name == "Nick Brown (nick@b.example)"
    assert len([c for c in stored(company, "Contacts") if c["Name"].startswith("Nick Brown")]) == 2


def test_invoice_total_in_xero_equals_the_hub_total(xero):
    adapter, company = xero
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(adapter.integration, customer, lines=AWKWARD, discount="4.75", tax="8.25")
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
    data = next(i for i in stored(company, "Invoices") if i["InvoiceID"] == pushed.remote_id)
    assert Decimal(str(data["Total"])) == invoice.total
    assert data["Status"] == "AUTHORISED" and data["InvoiceNumber"] == invoice.number
    fetched = adapter.fetch("invoice", pushed.remote_id).record
    assert fetched.total == invoice.total and fetched.status == "sent"


def test_tax_rate_missing_in_the_tenant_is_created_once(xero):
    adapter, company = xero
    customer, contact = pushed_customer(adapter)
    for n in range(2):
        invoice = hub_invoice(adapter.integration, customer, tax="7.125")
        adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key=f"i{n}")
    rates = [r for r in stored(company, "TaxRates") if r.get("EffectiveRate") == 7.125]
    assert len(rates) == 1


def test_invoice_update_payment_and_void(xero):
    adapter, company = xero
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(adapter.integration, customer)
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
    invoice.lines.update(unit_price=Decimal("150.00"))
    invoice.total = Decimal("150.00")
    updated = adapter.push_invoice(
        invoice, pushed.remote_id, customer_remote_id=contact.remote_id, key="i2"
    )
    assert updated.remote_id == pushed.remote_id
    payment = PaymentFactory(invoice=invoice, customer=customer, amount=Decimal("40.00"))
    paid = adapter.push_payment(
        payment, customer_remote_id=contact.remote_id, invoice_remote_id=pushed.remote_id, key="p"
    )
    assert adapter.fetch("invoice", pushed.remote_id).record.amount_paid == Decimal("40")
    adapter.void("payment", paid.remote_id)
    adapter.void("invoice", pushed.remote_id)
    assert adapter.fetch("invoice", pushed.remote_id).record.status == "cancelled"


def test_payment_without_an_invoice_is_refused_clearly(xero):
    adapter, _ = xero
    customer = hub_customer(adapter.integration)
    payment = PaymentFactory(invoice=None, customer=customer)
    with pytest.raises(PermanentError, match="only against an invoice"):
        adapter.push_payment(payment, customer_remote_id="x", invoice_remote_id=None, key="p")


def test_pull_pages_everything_then_only_what_changed(xero):
    adapter, _ = xero
    customer, contact = pushed_customer(adapter)
    pages = list(adapter.pull(["customer", "invoice", "quote", "payment"], None))
    assert pages[-1].more is False
    kinds = {(c.kind, c.remote_id) for page in pages for c in page.changes}
    assert ("customer", contact.remote_id) in kinds
    watermark = pages[-1].watermark
    invoice = hub_invoice(adapter.integration, customer)
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
    later = [c for page in adapter.pull(["invoice"], watermark) for c in page.changes]
    assert [c.remote_id for c in later] == [pushed.remote_id]


def test_lookups_are_split_only_where_the_url_would_grow_too_long():
    numbers = [f"INV-{n:017d}" for n in range(400)]
    groups = list(lookup_groups(numbers, joiner=",", most=len(numbers)))
    assert [n for group in groups for n in group] == numbers
    assert 1 < len(groups) < 5
    assert all(len(quote(",".join(group), safe="")) <= LOOKUP_URL_BUDGET for group in groups)
    terms = list(lookup_groups([f'Name=="{n}"' for n in range(120)], joiner=" OR ", most=50))
    assert [len(group) for group in terms] == [50, 50, 20]


def test_contacts_are_found_and_pushed_in_batches_keeping_duplicate_names(xero, monkeypatch):
    adapter, company = xero
    ann = hub_customer(adapter.integration, display_name="Ann Hill", email="ann@example.com")
    existing = adapter.push_customer(ann, None, key="ann")
    joe = hub_customer(adapter.integration, display_name="Joe Bloggs", email="joe@a.example")
    adapter.push_customer(joe, None, key="joe")
    new = [hub_customer(adapter.integration, display_name=f"New {n}") for n in range(3)]
    other_joe = hub_customer(adapter.integration, display_name="Joe Bloggs", email="joe@b.example")
    found = adapter.find_customers([ann, *new, other_joe])
    assert set(found) == {ann.pk} and found[ann.pk].remote_id == existing.remote_id
    many = [hub_customer(adapter.integration, email=f"m{n}@example.com") for n in range(49)]
    monkeypatch.setattr(batches, "DIRECTORY_PAGE_SIZE", 1)  # a tenant too large to read whole
    before = control.requests_count(company, path_contains="/Contacts", method="GET")
    found = adapter_for(adapter.integration).find_customers([ann, *many])
    assert set(found) == {ann.pk}
    # Two pages did not hold the whole list; then 50 e-mails in one request, and the 49
    # unmatched names in another.
    assert control.requests_count(company, path_contains="/Contacts", method="GET") == before + 4
    items = [(c, None, f"cb-{c.pk}") for c in [*new, other_joe]]
    items.append((ann, existing.remote_id, f"cb-{ann.pk}"))
    results = adapter.push_customers_batch(items)
    assert [r.remote_name for r in results] == [
        "New 0",
        "New 1",
        "New 2",
        "Joe Bloggs (joe@b.example)",
        "Ann Hill",
    ]
    assert results[-1].remote_id == existing.remote_id


def test_canadian_tenant_uses_its_own_gst_rate(connect):
    integration, company = connect("xero", "CA")
    adapter = adapter_for(integration)
    customer = hub_customer(integration)
    contact = adapter.push_customer(customer, None, key="c")
    invoice = hub_invoice(integration, customer, lines=AWKWARD, discount="3", tax="5")
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="i")
    data = next(i for i in stored(company, "Invoices") if i["InvoiceID"] == pushed.remote_id)
    assert Decimal(str(data["Total"])) == invoice.total
    assert {line["TaxType"] for line in data["LineItems"]} <= {"OUTPUT", "NONE"}
    assert len(stored(company, "TaxRates")) == 3  # GST on sales, on purchases, no tax: none added


def test_invoice_create_replayed_with_its_idempotency_key_makes_one_invoice(xero):
    adapter, company = xero
    customer, contact = pushed_customer(adapter)
    invoice = hub_invoice(adapter.integration, customer)
    first = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="inv-k")
    again = adapter.push_invoice(invoice, None, customer_remote_id=contact.remote_id, key="inv-k")
    assert first.remote_id == again.remote_id
    assert len(stored(company, "Invoices")) == 1


def test_a_nightly_page_reads_the_mapping_once_however_many_invoices_it_carries(xero):
    adapter, _ = xero
    customer, contact = pushed_customer(adapter)
    small, large = mapping_reads_of_batches(adapter, customer, contact.remote_id)
    assert small == large <= 3
