"""Tax codes and items a QuickBooks company rarely changes are read once per company, not once
per drain, and read again once when QuickBooks refuses what the kept copy named. Each drain makes
a new adapter, as the engine does; requests counted in the sandbox's request log."""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.integrations import reference_cache
from apps.integrations.models import TaxMapping
from apps.integrations.quickbooks.taxes import SALES_CODES
from apps.integrations.registry import adapter_for
from apps.sandbox.models import SandboxRecord, SandboxRequest
from tests.providers.conftest import hub_customer, hub_invoice

pytestmark = pytest.mark.django_db(transaction=True)


def _requests(company, word: str, **filters) -> int:
    return SandboxRequest.objects.filter(company=company, path__contains=word, **filters).count()


def _send(integration, customer_remote_id, customer, key):
    invoice = hub_invoice(integration, customer, tax="5")
    return adapter_for(integration).push_invoice(
        invoice, None, customer_remote_id=customer_remote_id, key=key
    )


@pytest.fixture
def canada(connect):
    """A Canadian company, where every line names a tax code, with one customer."""
    integration, company = connect("quickbooks", "CA")
    customer = hub_customer(integration)
    pushed = adapter_for(integration).push_customer(customer, None, key=f"c-{customer.pk}")
    return integration, company, customer, pushed.remote_id


def test_a_second_drain_reads_neither_tax_codes_nor_items_again(canada):
    integration, company, customer, customer_id = canada
    _send(integration, customer_id, customer, "first")
    queries = _requests(company, "/query")
    assert queries == 3  # items, tax rates, tax codes

    _send(integration, customer_id, customer, "second")

    assert _requests(company, "/query") == queries
    assert _requests(company, "/invoice", status=200) == 2


def test_a_tax_code_quickbooks_refuses_reads_the_codes_again_once(canada):
    integration, company, customer, customer_id = canada
    _send(integration, customer_id, customer, "first")
    # The company's tax codes changed since they were kept: the kept ids are unknown there.
    kept = reference_cache.kept(integration, SALES_CODES, lambda: pytest.fail("not kept"))
    reference_cache.keep(integration, SALES_CODES, [replace(c, code=f"9{c.code}99") for c in kept])
    # Unmapped, so the code comes from the kept copy (the first send mapped 5 % and 0 % by
    # itself: a mapped code is looked for in the ledger's codes before sending, below).
    TaxMapping.objects.filter(integration=integration).delete()
    queries = _requests(company, "/query")

    pushed = _send(integration, customer_id, customer, "second")

    assert pushed.remote_id
    assert _requests(company, "/invoice", status=400) == 1
    assert _requests(company, "/query") - queries == 3  # read again once, nothing more


def test_a_rate_mapped_by_itself_is_named_as_quickbooks_names_its_code(canada):
    integration, company, customer, customer_id = canada
    _send(integration, customer_id, customer, "first")

    mapped = TaxMapping.objects.get(integration=integration, rate=5)
    code = SandboxRecord.objects.get(
        company=company, entity="TaxCode", record_id=mapped.remote_code
    )
    assert mapped.remote_name == code.data["Name"] != mapped.remote_code


def test_a_mapped_code_missing_from_the_kept_copy_reads_the_codes_again_not_holds(canada):
    integration, company, customer, customer_id = canada
    _send(integration, customer_id, customer, "first")
    assert TaxMapping.objects.get(integration=integration, rate=5).remote_code == "3"
    kept = reference_cache.kept(integration, SALES_CODES, lambda: pytest.fail("not kept"))
    reference_cache.keep(integration, SALES_CODES, [replace(c, code=f"9{c.code}99") for c in kept])
    queries = _requests(company, "/query")

    pushed = _send(integration, customer_id, customer, "second")

    assert pushed.remote_id
    assert _requests(company, "/invoice", status=400) == 0
    assert _requests(company, "/query") - queries == 2  # tax rates and codes, once


def test_the_first_send_after_the_first_pull_reads_no_tax_codes_and_no_items(canada):
    integration, company, customer, customer_id = canada
    pages = list(adapter_for(integration).pull(["customer"], None))  # the first pull: a full scan
    assert pages
    queries = _requests(company, "/query")

    _send(integration, customer_id, customer, "first")

    assert _requests(company, "/query") == queries
    assert _requests(company, "/invoice", status=200) == 1


def test_a_company_with_a_page_of_items_or_more_is_still_looked_up_by_name(canada, monkeypatch):
    from apps.integrations.quickbooks import limits

    integration, company, customer, customer_id = canada
    monkeypatch.setattr(limits, "QUERY_PAGE_SIZE", 1)  # the sandbox company has more items
    list(adapter_for(integration).pull(["customer"], None))
    queries = _requests(company, "/query")

    _send(integration, customer_id, customer, "first")

    assert _requests(company, "/query") == queries + 1  # the items the lines name
