"""The one push path: what a send costs on the wire, and how a drain shares its worker."""

from __future__ import annotations

import pytest

from apps.sandbox.models import SandboxCompany, SandboxRecord, SandboxRequest
from apps.sync.adapters import adapter_for
from apps.sync.fingerprints import fingerprint
from apps.sync.models import Change, Link
from apps.sync.push import drain

CUSTOMERS = {"quickbooks": "Customer", "xero": "Contacts"}


def requests_of(integration):
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
    return SandboxRequest.objects.filter(company=company)


def link_to_a_ledger_customer(integration, customer) -> None:
    """Link ``customer`` to one of the sample customers the sandbox company starts with."""
    record = SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id,
        entity=CUSTOMERS[integration.provider],
        deleted=False,
    ).first()
    Link.objects.create(
        integration=integration,
        kind="customer",
        object_id=customer.pk,
        remote_id=record.record_id,
        fingerprint=fingerprint("customer", customer),
        created_by="remote",
    )


@pytest.mark.django_db(transaction=True)
def test_one_invoice_with_a_new_customer_costs_at_most_three_requests_per_ledger(both, live_hub):
    # The organisation's settings (tax rates, accounts, items) are read once per tenant, not
    # per send: an earlier invoice to a customer the ledger already has reads them.
    known = live_hub.customer(name="Known Client", email="known@example.com")
    adapters = {}
    for integration in both:
        link_to_a_ledger_customer(integration, known)
        adapters[integration.pk] = adapter_for(integration)
    live_hub.invoice(known)
    for integration in both:
        drain(integration, adapter=adapters[integration.pk])
    before = {integration.pk: requests_of(integration).count() for integration in both}

    invoice = live_hub.invoice()  # a new customer, and its invoice
    for integration in both:
        drain(integration, adapter=adapters[integration.pk])

    for integration in both:
        made = requests_of(integration).order_by("pk")[before[integration.pk] :]
        paths = [f"{r.method} {r.path}" for r in made]
        assert len(paths) <= 3, (integration.provider, paths)
        assert Link.objects.filter(integration=integration, kind="invoice", object_id=invoice.pk)
        assert Link.objects.filter(
            integration=integration, kind="customer", object_id=invoice.customer_id
        )
    assert not Change.objects.exclude(state="done").exists()
