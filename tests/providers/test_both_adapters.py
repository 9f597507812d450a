"""What both adapters do alike, against their sandboxes over real HTTP: a quote's round trip, and
how a provider that throttles, fails, times out or lost the record is reported (with the
sandbox's fault injection)."""

from __future__ import annotations

import importlib
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.integrations.contract import RemoteGone, TransientError
from apps.integrations.quickbooks import limits as quickbooks_limits
from apps.integrations.registry import adapter_for
from apps.integrations.xero import limits as xero_limits
from apps.sandbox import control
from tests.factories import QuoteFactory
from tests.providers.conftest import hub_customer, hub_invoice, pushed_customer, written

pytestmark = pytest.mark.django_db(transaction=True)

LIMITS = {"quickbooks": quickbooks_limits, "xero": xero_limits}
# An id of the provider's shape that no record has.
MISSING_ID = {"quickbooks": "987654", "xero": "00000000-0000-0000-0000-000000000000"}


def test_quote_is_pushed_as_sent_and_cancelling_it_reads_back_as_cancelled(either):
    adapter, _ = either
    customer, contact = pushed_customer(adapter)
    quote = QuoteFactory(
        organisation=adapter.integration.organisation,
        customer=customer,
        status="sent",
        expiry_date=timezone.localdate() + timedelta(days=30),
    )
    pushed = adapter.push_quote(quote, None, customer_remote_id=contact.remote_id, key="q")
    assert adapter.fetch("quote", pushed.remote_id).record.status == "sent"
    adapter.void("quote", pushed.remote_id)
    assert adapter.fetch("quote", pushed.remote_id).record.status == "cancelled"


def test_throttling_is_transient_with_a_time_to_wait(either):
    adapter, company = either
    control.fault_inject(company=company, kind="429", count=1)
    with pytest.raises(TransientError) as caught:
        adapter.find_customer(hub_customer(adapter.integration))
    assert caught.value.retry_after and caught.value.retry_after > 0


@pytest.mark.parametrize("kind", ["500", "503", "malformed"])
def test_server_errors_and_unreadable_answers_are_transient(either, kind):
    adapter, company = either
    control.fault_inject(company=company, kind=kind, count=1)
    with pytest.raises(TransientError):
        adapter.find_customer(hub_customer(adapter.integration))


def test_expired_access_token_is_refreshed_and_the_call_succeeds(either):
    adapter, company = either
    control.token_expire(company=company)
    assert adapter.find_customer(hub_customer(adapter.integration)) is None


def test_a_provider_that_does_not_answer_in_time_is_transient(either, settings, monkeypatch):
    adapter, company = either
    settings.SANDBOX_FAULT_TIMEOUT_SECONDS = 2
    monkeypatch.setattr(LIMITS[adapter.integration.provider], "REQUEST_TIMEOUT_SECONDS", 0.5)
    control.fault_inject(company=company, kind="timeout", count=1)
    with pytest.raises(TransientError, match="in time"):
        adapter.find_customer(hub_customer(adapter.integration))
    _wait_for_the_late_answer(company)


def _wait_for_the_late_answer(company) -> None:
    """The sandbox still answers (504) after we gave up; let it finish logging that answer, or
    its write would land in the next test's database."""
    deadline = time.monotonic() + 10
    while control.requests_count(company, status=504) == 0:
        assert time.monotonic() < deadline, "the sandbox never finished the timed-out request"
        time.sleep(0.1)


def test_record_deleted_meanwhile_is_gone(either):
    adapter, _ = either
    missing = MISSING_ID[adapter.integration.provider]
    assert adapter.fetch("invoice", missing).deleted
    with pytest.raises(RemoteGone):
        adapter.void("invoice", missing)


# A customer id the provider refuses, the fault each adapter raises for it, and where the
# sandbox keeps invoices.
REFUSED_CUSTOMER = {
    "quickbooks": ("999999", "QboFault", "Invoice"),
    "xero": ("not-a-contact", "XeroValidation", "Invoices"),
}


def test_batch_answers_per_invoice_and_a_retry_makes_no_copies(either):
    adapter, company = either
    bad_customer, fault, entity = REFUSED_CUSTOMER[adapter.integration.provider]
    customer, contact = pushed_customer(adapter)
    invoices = [hub_invoice(adapter.integration, customer) for _ in range(3)]
    items = [(inv, None, contact.remote_id, f"b{n}") for n, inv in enumerate(invoices)]
    items.insert(1, (hub_invoice(adapter.integration, customer), None, bad_customer, "bad"))
    results = adapter.push_invoices_batch(items)
    assert [type(r).__name__ for r in results] == ["Pushed", fault, "Pushed", "Pushed"]
    again = adapter.push_invoices_batch(items[2:])
    assert [r.remote_id for r in again] == [r.remote_id for r in results[2:]]
    assert written(company, entity).count() == 3


# One more invoice than a request carries, the request that looks up earlier copies, and the
# request that writes a batch (path, method).
BATCHING = {
    "quickbooks": (31, "/query", ("/batch", None)),
    "xero": (51, "InvoiceNumbers", ("/Invoices", "PUT")),
}


def test_a_batch_of_many_invoices_looks_up_earlier_copies_once_not_per_request(either):
    adapter, company = either
    size, lookup, (write_path, write_method) = BATCHING[adapter.integration.provider]
    _, _, entity = REFUSED_CUSTOMER[adapter.integration.provider]
    customer, contact = pushed_customer(adapter)
    first = hub_invoice(adapter.integration, customer)
    adapter.push_invoices_batch([(first, None, contact.remote_id, "warm")])  # item refs, tax
    invoices = [hub_invoice(adapter.integration, customer) for _ in range(size)]
    before = control.requests_count(company, path_contains=lookup)
    results = adapter.push_invoices_batch(
        [(inv, None, contact.remote_id, f"m{n}") for n, inv in enumerate(invoices)]
    )
    assert all(type(r).__name__ == "Pushed" for r in results)
    assert control.requests_count(company, path_contains=lookup) == before + 1
    writes = {"path_contains": write_path}
    if write_method:
        writes["method"] = write_method
    assert control.requests_count(company, **writes) == 3
    assert written(company, entity).count() == size + 1


def test_invoices_never_sent_before_go_out_without_looking_for_earlier_copies(either):
    adapter, company = either
    size, lookup, _ = BATCHING[adapter.integration.provider]
    _, _, entity = REFUSED_CUSTOMER[adapter.integration.provider]
    customer, contact = pushed_customer(adapter)
    adapter.push_invoices_batch(
        [(hub_invoice(adapter.integration, customer), None, contact.remote_id, "warm")]
    )
    items = [
        (hub_invoice(adapter.integration, customer), None, contact.remote_id, f"u{n}")
        for n in range(size)
    ]
    before = control.requests_count(company, path_contains=lookup)
    first = adapter.push_invoices_batch(items, unsent=frozenset(key for *_, key in items))
    assert control.requests_count(company, path_contains=lookup) == before
    # Sent again (the answers were lost): now any of them may exist, so they are looked for
    # and updated, not copied.
    again = adapter.push_invoices_batch(items)
    assert control.requests_count(company, path_contains=lookup) == before + 1
    assert [r.remote_id for r in again] == [r.remote_id for r in first]
    assert written(company, entity).count() == size + 1


# The request that reads the company's customers (path, method).
CUSTOMER_READS = {"quickbooks": ("/query", None), "xero": ("/Contacts", "GET")}


def customer_reads(adapter, company) -> int:
    path, method = CUSTOMER_READS[adapter.integration.provider]
    return control.requests_count(
        company, path_contains=path, **({"method": method} if method else {})
    )


def test_a_small_company_is_read_whole_once_and_matched_as_the_look_ups_would(either):
    adapter, company = either
    _, ann_there = pushed_customer(adapter, display_name="Ann Hill", email="ann@example.com")
    pushed_customer(adapter, display_name="Joe Bloggs", email="joe@a.example")
    ann = hub_customer(adapter.integration, display_name="Ann H.", email="ANN@example.com")
    same_joe = hub_customer(adapter.integration, display_name="Joe Bloggs", email="")
    other_joe = hub_customer(adapter.integration, display_name="Joe Bloggs", email="joe@b.example")
    new = hub_customer(adapter.integration, display_name="Nina New", email="nina@example.com")
    before = customer_reads(adapter, company)

    found = adapter.find_customers([ann, same_joe, other_joe, new])

    assert set(found) == {ann.pk, same_joe.pk}
    assert found[ann.pk].remote_id == ann_there.remote_id
    assert customer_reads(adapter, company) == before + 1
    # A customer created meanwhile is found by a later page without reading again.
    [made] = adapter.push_customers_batch([(new, None, f"cb-{new.pk}")])
    twin = hub_customer(adapter.integration, display_name="Nina N.", email="nina@example.com")
    assert adapter.find_customers([twin])[twin.pk].remote_id == made.remote_id
    assert customer_reads(adapter, company) == before + 1


def test_a_company_too_large_to_read_whole_is_looked_up_instead(either, monkeypatch):
    adapter, company = either
    batches = importlib.import_module(f"apps.integrations.{adapter.integration.provider}.batches")
    monkeypatch.setattr(batches, "DIRECTORY_PAGE_SIZE", 1)
    for n in range(3):
        pushed_customer(adapter, display_name=f"Known {n}", email=f"k{n}@example.com")
    adapter = adapter_for(adapter.integration)  # a new export run: nothing read yet
    known = hub_customer(adapter.integration, display_name="K", email="k2@example.com")
    before = customer_reads(adapter, company)

    found = adapter.find_customers([known])

    assert set(found) == {known.pk}
    # Two pages (what the look-ups cost) were not the whole list: e-mail look-up, then none
    # by name because the one customer was found.
    assert customer_reads(adapter, company) == before + 3
    adapter.find_customers([hub_customer(adapter.integration, email="x@example.com")])
    assert customer_reads(adapter, company) == before + 5  # look-ups only from now on
