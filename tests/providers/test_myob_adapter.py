"""The MYOB adapter over its HTTP client, against an in-memory MYOB company file
(tests/providers/myob_fake.py): push and pull back, RowVersion conflicts, throttling, lost
answers of creates (MYOB has no idempotency key)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.integrations.contract import PermanentError, RemoteGone, TransientError
from apps.integrations.models import Integration
from apps.integrations.myob import client as myob_client
from apps.integrations.registry import adapter_for
from tests.factories import PaymentFactory, QuoteFactory, ServiceItemFactory
from tests.providers.conftest import AWKWARD, hub_customer, hub_invoice, mapping_reads_of_batches
from tests.providers.myob_fake import FakeMyob, myob_integration

pytestmark = pytest.mark.django_db

FILE = "0f6e2c3a-5b8d-4e1f-9a7c-2d4b6e8f0a1c"


@pytest.fixture
def myob(monkeypatch):
    """(adapter, fake company file) for an Australian organisation connected to MYOB."""
    integration = myob_integration(FILE)
    # The pacing is its own test below; here every request goes straight to the fake.
    monkeypatch.setattr(myob_client, "request_slot", lambda call, **_: nullcontext())
    adapter = adapter_for(integration)
    fake = FakeMyob(FILE)
    adapter.client._http = fake
    return adapter, fake


def business(adapter, name: str):
    """A hub business customer already created in MYOB: (customer, Pushed)."""
    customer = hub_customer(adapter.integration, display_name=name, company_name=name)
    return customer, adapter.push_customer(customer, None, key=f"c-{name}")


def test_every_request_carries_the_api_key_version_and_token(myob, settings):
    adapter, fake = myob
    customer = hub_customer(
        adapter.integration, display_name="Bondi Cafe", company_name="Bondi Cafe"
    )
    adapter.push_customer(customer, None, key="c-1")
    method, path, _, headers = next(r for r in fake.requests if r[0] == "POST")
    assert path == "Contact/Customer"
    assert headers["x-myobapi-key"] == settings.MYOB_CLIENT_ID
    assert headers["x-myobapi-version"] == "v2"
    assert headers["Authorization"] == "Bearer access-1"


def test_customer_is_created_found_by_name_and_updated_over_its_row_version(myob):
    adapter, fake = myob
    customer = hub_customer(
        adapter.integration,
        display_name="Ava Nguyen",
        given_name="Ava",
        family_name="Nguyen",
        email="ava@example.com.au",
    )
    assert adapter.find_customer(customer) is None
    pushed = adapter.push_customer(customer, None, key="c-1")
    card = fake.records["Contact/Customer"][pushed.remote_id]
    assert card["IsIndividual"] and card["LastName"] == "Nguyen"
    assert card["SellingDetails"]["TaxCode"]["UID"] == "tc-gst"
    assert adapter.find_customer(customer).remote_id == pushed.remote_id

    customer.phone = "02 9000 0000"
    again = adapter.push_customer(customer, pushed.remote_id, key="c-2")
    assert again.remote_id == pushed.remote_id and again.remote_version != pushed.remote_version
    card = fake.records["Contact/Customer"][pushed.remote_id]
    assert card["Addresses"][0]["Phone1"] == "02 9000 0000"
    # The card's own MYOB fields were kept: a PUT replaces the whole record.
    assert card["SellingDetails"]["TaxCode"]["UID"] == "tc-gst"


def test_a_stale_row_version_is_read_again_and_the_change_applied_over_it(myob):
    adapter, fake = myob
    customer = hub_customer(
        adapter.integration, display_name="Manly Surf Co", company_name="Manly Surf Co"
    )
    invoice = hub_invoice(adapter.integration, customer, tax="10")
    cust = adapter.push_customer(customer, None, key="c")
    first = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")
    invoice.lines.update(unit_price=Decimal("150.00"))
    fake.conflicts = 1  # someone saves the invoice in MYOB between our read and our PUT

    pushed = adapter.push_invoice(
        invoice, first.remote_id, customer_remote_id=cust.remote_id, key="i2"
    )

    assert [r[0] for r in fake.requests[-5:]].count("PUT") == 2  # 409, then applied again
    row = fake.records["Sale/Invoice/Service"][first.remote_id]
    assert row["Lines"][0]["Total"] == Decimal("150.00")
    assert pushed.remote_version == row["RowVersion"]


def test_an_invoice_whose_create_answer_was_lost_is_found_by_number_not_created_twice(myob):
    adapter, fake = myob
    customer, cust = business(adapter, "Coogee Dental")
    invoice = hub_invoice(adapter.integration, customer, number="INV-0042", tax="10")
    fake.lose_answers = 1
    with pytest.raises(TransientError):
        adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")

    pushed = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")

    assert pushed.matched
    assert len(fake.records["Sale/Invoice/Service"]) == 1
    assert pushed.remote_id in fake.records["Sale/Invoice/Service"]


def test_a_nightly_batch_skips_the_lookup_for_invoices_never_sent(myob):
    adapter, fake = myob
    customer, cust = business(adapter, "Bronte Bakery")
    first = hub_invoice(adapter.integration, customer, number="INV-1")
    second = hub_invoice(adapter.integration, customer, number="INV-2")
    before = len(fake.requests)

    results = adapter.push_invoices_batch(
        [(first, None, cust.remote_id, "k1"), (second, None, cust.remote_id, "k2")],
        unsent=frozenset({"k2"}),
    )

    assert all(not isinstance(r, Exception) for r in results)
    lookups = [r for r in fake.requests[before:] if r[2].get("$filter", "").startswith("Number")]
    assert {r[2]["$filter"] for r in lookups} == {"Number eq 'INV-1'"}
    assert len(fake.records["Sale/Invoice/Service"]) == 2


def test_invoice_lines_are_sent_tax_exclusive_with_the_hubs_totals(myob):
    adapter, fake = myob
    customer, cust = business(adapter, "Tamarama Tiles")
    invoice = hub_invoice(adapter.integration, customer, lines=AWKWARD, discount="5", tax="10")

    pushed = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")

    row = fake.records["Sale/Invoice/Service"][pushed.remote_id]
    assert row["IsTaxInclusive"] is False
    assert row["Subtotal"] == invoice.subtotal - invoice.discount_total
    assert [ln["TaxCode"]["UID"] for ln in row["Lines"]] == ["tc-gst", "tc-fre", "tc-gst"]
    assert all(ln["Account"]["UID"] == "acc-income" for ln in row["Lines"])
    document = pushed.document
    assert document.net_total == invoice.subtotal - invoice.discount_total
    assert document.tax_rate == Decimal("10") and document.currency == "AUD"


def test_lines_of_linked_items_use_the_item_layout(myob):
    adapter, fake = myob
    item = ServiceItemFactory(organisation=adapter.integration.organisation, name="Blocked drain")
    item_pushed = adapter.push_item(item, None, key="it")
    assert fake.records["Inventory/Item"][item_pushed.remote_id]["IsSold"] is True
    customer, cust = business(adapter, "Clovelly Hotel")
    invoice = hub_invoice(
        adapter.integration, customer, lines=(("Drain", "2", "80.00", "0", True),)
    )
    invoice.lines.update(service_item=item)
    adapter.linked_items = {item.pk: item_pushed.remote_id}

    pushed = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")

    line = fake.records["Sale/Invoice/Item"][pushed.remote_id]["Lines"][0]
    assert line["Item"]["UID"] == item_pushed.remote_id
    assert (line["ShipQuantity"], line["Total"]) == (Decimal("2"), Decimal("160.00"))


def test_an_existing_item_of_the_same_number_is_matched_not_copied(myob):
    adapter, fake = myob
    item = ServiceItemFactory(organisation=adapter.integration.organisation, name="Call-out fee")
    first = adapter.push_item(item, None, key="a")
    again = adapter.push_item(item, None, key="b")
    assert again.matched and again.remote_id == first.remote_id
    assert len(fake.records["Inventory/Item"]) == 1


def test_quote_payment_and_customer_come_back_in_a_pull(myob):
    adapter, fake = myob
    customer, cust = business(adapter, "Bondi Cafe")
    invoice = hub_invoice(adapter.integration, customer, number="INV-7", tax="10")
    inv = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")
    quote = QuoteFactory(
        organisation=adapter.integration.organisation,
        customer=customer,
        number="Q-7",
        currency="AUD",
        tax_rate=Decimal("10"),
        expiry_date=date(2026, 4, 1),
    )
    adapter.push_quote(quote, None, customer_remote_id=cust.remote_id, key="q")
    payment = PaymentFactory(invoice=invoice, customer=customer, amount=Decimal("50.00"))
    paid = adapter.push_payment(
        payment, customer_remote_id=cust.remote_id, invoice_remote_id=inv.remote_id, key="p"
    )

    pages = list(adapter.pull(["customer", "invoice", "quote", "payment"], None))

    changes = {(c.kind, c.remote_id): c for page in pages for c in page.changes}
    assert ("customer", cust.remote_id) in changes
    assert changes[("invoice", inv.remote_id)].record.number == "INV-7"
    assert {c.record.number for (k, _), c in changes.items() if k == "quote"} == {"Q-7"}
    payment_back = changes[("payment", paid.remote_id)].record
    assert payment_back.applied_to == [(inv.remote_id, Decimal("50.00"))]
    assert pages[-1].watermark and not pages[-1].more


def test_an_incremental_pull_asks_for_what_changed_since_the_last_modified_read(myob):
    adapter, fake = myob
    for name in ("Ancient Co", "Old Co"):
        customer = hub_customer(adapter.integration, display_name=name, company_name=name)
        adapter.push_customer(customer, None, key=name)
        fake.clock += timedelta(minutes=5)
    watermark = list(adapter.pull(["customer"], None))[-1].watermark
    fake.clock += timedelta(minutes=5)
    newer = hub_customer(adapter.integration, display_name="New Co", company_name="New Co")
    adapter.push_customer(newer, None, key="n")

    pages = list(adapter.pull(["customer"], watermark))

    # The latest one read before is read again (a few seconds' overlap), the older ones not.
    assert [c.record.display_name for p in pages for c in p.changes] == ["Old Co", "New Co"]
    assert "LastModified gt datetime'" in fake.requests[-1][2]["$filter"]


def test_a_pull_stopped_part_way_resumes_after_the_kinds_it_finished(myob):
    """Each kind's last page carries the watermark with that kind moved on: a pull the limiter
    stopped during invoices does not read every customer again."""
    adapter, fake = myob
    customer, cust = business(adapter, "Bondi Cafe")
    invoice = hub_invoice(adapter.integration, customer, number="INV-8", tax="10")
    adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")
    fake.clock += timedelta(minutes=5)

    pages = iter(adapter.pull(["customer", "invoice"], None))
    customers_done = next(p for p in pages if p.changes and p.changes[0].kind == "customer")

    assert customers_done.more and '"customer"' in customers_done.watermark
    assert '"invoice"' not in customers_done.watermark
    fake.requests.clear()
    list(adapter.pull(["customer"], customers_done.watermark))
    # Read again from where it stopped (a few seconds' overlap), not from the beginning.
    assert "LastModified gt datetime'" in fake.requests[-1][2]["$filter"]


def test_a_payment_whose_answer_was_lost_is_found_by_its_memo(myob):
    adapter, fake = myob
    customer, cust = business(adapter, "Bondi Cafe")
    invoice = hub_invoice(adapter.integration, customer, number="INV-8")
    inv = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")
    payment = PaymentFactory(invoice=invoice, customer=customer, amount=Decimal("20.00"))
    fake.lose_answers = 1
    with pytest.raises(TransientError):
        adapter.push_payment(
            payment, customer_remote_id=cust.remote_id, invoice_remote_id=inv.remote_id, key="p"
        )
    again = adapter.push_payment(
        payment, customer_remote_id=cust.remote_id, invoice_remote_id=inv.remote_id, key="p"
    )
    assert again.matched and len(fake.records["Sale/CustomerPayment"]) == 1


def test_a_deleted_record_reads_as_deleted_and_a_cancelled_invoice_is_deleted(myob):
    adapter, fake = myob
    customer, cust = business(adapter, "Bondi Cafe")
    invoice = hub_invoice(adapter.integration, customer)
    inv = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")

    adapter.void("invoice", inv.remote_id)

    assert inv.remote_id not in fake.records["Sale/Invoice/Service"]
    assert adapter.fetch("invoice", inv.remote_id).deleted
    with pytest.raises(RemoteGone):
        adapter.push_customer(customer, "0e0e0e0e-0000-4000-8000-000000000000", key="x")


def test_a_rate_limit_403_is_a_wait_not_a_reconnect(myob):
    adapter, fake = myob
    fake.throttle = 1
    customer = hub_customer(
        adapter.integration, display_name="Bondi Cafe", company_name="Bondi Cafe"
    )
    with pytest.raises(TransientError) as raised:
        adapter.find_customer(customer)
    assert raised.value.retry_after == 1.0
    assert adapter.integration.status == Integration.Status.CONNECTED


def test_a_rate_limited_key_is_blocked_for_every_process_until_the_wait_ends():
    from apps.integrations.limiter import Limiter
    from apps.integrations.myob import limits

    limiter = Limiter()
    daily = myob_client.requests.Response()
    daily.status_code, daily._content = (
        403,
        b'{"Errors":[{"Message":"API key has exceeded the daily rate limit"}]}',
    )
    assert limits.throttled_wait(daily) == limits.DAY_RETRY_AFTER_SECONDS
    limiter.block(limits.key_scope(), 30, "MYOB's rate limit was reached")
    with pytest.raises(Exception) as refused:
        limiter.admit(limits.call_for(FILE))
    assert refused.value.retry_after > 29


def test_eight_calls_a_second_are_paced_before_they_are_sent():
    from apps.integrations.contract import Throttled
    from apps.integrations.limiter import Limiter
    from apps.integrations.myob import limits

    limiter = Limiter()
    call = limits.call_for(FILE)
    for _ in range(limits.PACED_REQUESTS_PER_SECOND):
        limiter.admit(call).release()
    with pytest.raises(Throttled) as refused:
        limiter.admit(call)
    assert refused.value.retry_after <= 1


def test_an_access_denied_403_asks_for_a_reconnect():
    from apps.integrations.contract import ReconnectNeeded

    denied = myob_client.requests.Response()
    denied.status_code, denied._content = 403, b'{"Errors":[{"Name":"AccessDenied"}]}'
    with pytest.raises(ReconnectNeeded):
        myob_client.answer_of(denied, None)


def test_time_entries_are_refused_clearly(myob):
    adapter, _ = myob
    with pytest.raises(PermanentError, match="timesheets are not sent to MYOB"):
        adapter.push_time_entry(
            None,
            None,
            employee_remote_id="e",
            customer_remote_id=None,
            item_remote_id=None,
            key="t",
        )
    assert adapter.list_employees() == []


def test_a_number_already_used_for_another_customer_in_myob_is_refused_not_overwritten(myob):
    adapter, fake = myob
    someone, other = business(adapter, "Bondi Cafe")
    customer, cust = business(adapter, "Coogee Dental")
    theirs = hub_invoice(adapter.integration, someone, number="INV-0500")
    adapter.push_invoice(theirs, None, customer_remote_id=other.remote_id, key="a")
    theirs.number = "INV-0499"  # the hub's own is another now; MYOB's keeps INV-0500
    theirs.save(update_fields=["number"])
    ours = hub_invoice(adapter.integration, customer, number="INV-0500")

    with pytest.raises(PermanentError, match="another customer"):
        adapter.push_invoice(ours, None, customer_remote_id=cust.remote_id, key="b")
    assert len(fake.records["Sale/Invoice/Service"]) == 1


def test_a_nightly_page_reads_the_mapping_once_however_many_invoices_it_carries(myob):
    adapter, _ = myob
    customer, cust = business(adapter, "Bronte Bakery")
    small, large = mapping_reads_of_batches(adapter, customer, cust.remote_id)
    assert small == large <= 3
