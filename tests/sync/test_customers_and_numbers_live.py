"""Against both sandboxes over HTTP: a person entered twice in the hub, under one e-mail written
in another case, is matched to the first one's ledger record and left for merging, and that
record (and so the first hub customer) keeps its own fields; a pulled invoice whose numbers do
not fit the hub's columns is refused and logged, never half-written."""

from __future__ import annotations

import pytest

from apps.customers.services import customer_create
from apps.invoices.models import Invoice
from apps.sync.models import Link, SyncLogEntry
from apps.sync.pull import pull
from tests.sync.test_end_to_end import drain_until_done, remote, someone_invoices_in_quickbooks

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL_FIELD = {"quickbooks": ("PrimaryEmailAddr", "Address"), "xero": ("EmailAddress",)}


def remote_email(integration, remote_id: str) -> str:
    data = remote(integration, "customer").get(record_id=remote_id).data
    for key in EMAIL_FIELD[integration.provider]:
        data = data.get(key) or {}
    return data or ""


def test_matching_a_duplicate_in_a_ledger_never_rewrites_the_first_customer(both, live_hub):
    first = live_hub.invoice(live_hub.customer("Tom Green", email="tom.green@example.com"))
    for integration in both:
        drain_until_done(integration)
    again = customer_create(
        organisation=first.organisation,
        given_name="Tom",
        family_name="Green",
        email=" TOM.Green@Example.com ",
    )
    live_hub.invoice(again)
    for integration in both:
        drain_until_done(integration)
        pull(integration)
        first_link = Link.objects.get(
            integration=integration, kind="customer", object_id=first.customer_id
        )
        assert remote_email(integration, first_link.remote_id) == "tom.green@example.com"
        assert not Link.objects.filter(
            integration=integration, kind="customer", object_id=again.pk
        ).exists()
        toms = [r for r in remote(integration, "customer") if "Tom Green" in str(r.data)]
        assert len(toms) == 1, integration.provider  # never created twice
    first.customer.refresh_from_db()
    assert first.customer.email == "tom.green@example.com"
    assert SyncLogEntry.objects.filter(message__contains="merge the duplicates").count() == 2


def test_an_invoice_pulled_with_a_price_beyond_the_hubs_column_is_refused_and_logged(
    both, live_hub
):
    qbo, _ = both
    # QuickBooks keeps amounts up to 10^11; the hub's price column holds less.
    someone_invoices_in_quickbooks(qbo, number="QB-HUGE", amount=5e10)
    pull(qbo)
    assert not Invoice.objects.filter(number="QB-HUGE").exists()
    failed = SyncLogEntry.objects.get(integration=qbo, kind="invoice", outcome="failed")
    assert "the unit price can be at most" in failed.message
    assert live_hub.org.invoice_set.count() == 0
