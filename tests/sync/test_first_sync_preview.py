"""The preview of a new connection's first sync: what it will bring in and send out, and what it
holds back, counted with the engine's own decisions and without writing anything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.customers.models import Customer
from apps.integrations.contract import RemoteChange, TransientError
from apps.integrations.first_sync import first_sync_preview
from apps.invoices.services import invoice_cancel, payment_record
from apps.sync.fingerprints import fingerprint
from apps.sync.models import Change, Link, SyncLogEntry, SyncRun
from tests.sync.memory import remote_customer, remote_invoice

pytestmark = pytest.mark.django_db


def feed(remote, *records) -> None:
    """What the ledger holds, as its first (full) pull reads it."""
    remote.feed.extend(
        RemoteChange(getattr(r, "kind", "customer"), r.remote_id, record=r) for r in records
    )


@pytest.fixture
def history(hub):
    """The hub before connecting: 4 invoices in progress for 3 customers (Ann has two), 3 paid
    ones, a cancelled one and a draft."""
    ann = hub.customer("Ann Lee", "ann@example.com")
    bob = hub.customer("Bob Ray", "bob@example.com")
    cat = hub.customer("Cat Dunn", "cat@example.com")
    in_progress = [hub.invoice(ann), hub.invoice(ann), hub.invoice(bob), hub.invoice(cat)]
    for _ in range(3):
        paid = hub.invoice(ann)
        payment_record(invoice=paid, amount=paid.total)
    invoice_cancel(invoice=hub.invoice(bob))
    hub.invoice(cat, send=False)
    return {"ann": ann, "bob": bob, "cat": cat, "in_progress": in_progress}


def company_with_ten_customers(remote, *, one_is=None) -> None:
    """Ten customers in the ledger; with ``one_is``, one of them has that hub customer's e-mail."""
    people = [
        remote_customer(f"C{n}", f"Ledger Person {n}", f"p{n}@example.com") for n in range(10)
    ]
    if one_is is not None:
        people[0] = remote_customer("C0", one_is.display_name, one_is.email.upper())
    feed(remote, *people)


def test_counts_customers_added_invoices_in_progress_sent_and_paid_ones_held_back(
    connect, history, remotes
):
    xero = connect("xero", waiting_for_start=True)
    company_with_ten_customers(remotes(xero))

    preview = first_sync_preview(xero)

    assert preview.count("customers_added") == 10
    assert preview.count("invoices_sent") == 4
    assert preview.count("customers_sent") == 3  # each customer before its first invoice
    assert preview.count("invoices_paid_held") == 3
    assert preview.count("invoices_cancelled_held") == 1
    assert preview.count("invoices_draft_held") == 1
    assert not preview.error
    texts = [f"{line.count} {line.text}" for line in preview.incoming + preview.outgoing]
    assert "10 customers will be added" in texts
    assert "4 invoices in progress will be sent" in texts
    held = [f"{line.count} {line.text}" for line in preview.held_back]
    assert held[0].startswith("3 paid or partly paid invoices held back")


def test_a_ledger_customer_matching_one_here_is_linked_not_added_nor_sent(
    connect, history, remotes
):
    qbo = connect("quickbooks", waiting_for_start=True)
    company_with_ten_customers(remotes(qbo), one_is=history["bob"])

    preview = first_sync_preview(qbo)

    assert preview.count("customers_added") == 9
    assert preview.count("customers_matched") == 1
    # Bob is linked to the ledger's copy by the pull, before his invoice goes out.
    assert preview.count("customers_sent") == 2


def test_earlier_invoices_are_imported_only_with_import_historical_invoices(connect, remotes):
    yesterday = timezone.localdate() - timedelta(days=1)
    records = [remote_customer("C1", "Dee Moss", "dee@example.com")]
    records += [remote_invoice("C1", number=f"OLD-{n}", issue_date=yesterday) for n in range(5)]
    records.append(remote_invoice("C1", number="NEW-1"))

    without = connect("quickbooks", waiting_for_start=True)
    feed(remotes(without), *records)
    preview = first_sync_preview(without)
    assert preview.count("invoices_history_left") == 5
    assert preview.count("invoices_imported") == 0
    assert preview.count("invoices_new") == 1

    with_import = connect("xero", waiting_for_start=True, import_historical_invoices=True)
    feed(remotes(with_import), *records)
    preview = first_sync_preview(with_import)
    assert preview.count("invoices_imported") == 5
    assert preview.count("invoices_history_left") == 0


def test_the_choices_made_are_what_is_counted(connect, history, remotes):
    xero = connect(
        "xero", waiting_for_start=True, customers_sync_from=False, invoices_sync_to=False
    )
    company_with_ten_customers(remotes(xero))

    preview = first_sync_preview(xero)

    assert preview.incoming == [] and preview.count("invoices_sent") == 0
    assert preview.count("invoices_paid_held") == 0  # nothing of invoices goes there at all
    pulls = [call for call in remotes(xero).calls if call[0] == "pull"]
    assert pulls == [("pull", ("quote", "invoice"), None)]  # the ledger's customers not read


def test_the_preview_writes_nothing_and_the_integration_keeps_waiting(connect, history, remotes):
    qbo = connect("quickbooks", waiting_for_start=True)
    company_with_ten_customers(remotes(qbo), one_is=history["ann"])
    before = [model.objects.count() for model in (Customer, Change, Link, SyncLogEntry, SyncRun)]

    first_sync_preview(qbo)

    after = [model.objects.count() for model in (Customer, Change, Link, SyncLogEntry, SyncRun)]
    assert after == before
    qbo.refresh_from_db()
    assert qbo.waiting_for_start


def test_a_ledger_that_cannot_be_read_still_shows_what_goes_out(connect, history, remotes):
    qbo = connect("quickbooks", waiting_for_start=True)
    remotes(qbo).fail["pull"].append(TransientError("QuickBooks answered 503"))

    preview = first_sync_preview(qbo)

    assert "could not be read just now" in preview.error and "503" in preview.error
    assert preview.incoming == []
    assert preview.count("invoices_sent") == 4


def test_ledger_records_already_linked_here_are_not_counted_again(connect, history, remotes):
    qbo = connect("quickbooks", waiting_for_start=True)
    cat = history["cat"]
    Link.objects.create(
        integration=qbo,
        kind="customer",
        object_id=cat.pk,
        remote_id="C0",
        fingerprint=fingerprint("customer", cat),
    )
    company_with_ten_customers(remotes(qbo))

    preview = first_sync_preview(qbo)

    assert preview.count("customers_added") == 9
    assert preview.count("customers_sent") == 2  # Cat is there already, unchanged
