from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.customers.merging import customer_merge, merge_preview
from apps.customers.models import Customer, CustomerMerge
from apps.customers.selectors import duplicate_suggestions
from apps.customers.services import customer_create
from apps.integrations.models import Integration
from apps.invoices.models import Payment
from apps.sync.models import Change, Link, SyncLogEntry
from tests.factories import (
    CustomerFactory,
    InvoiceFactory,
    PaymentFactory,
    QuoteFactory,
    TimeEntryFactory,
    TimesheetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    keep = customer_create(organisation=org, display_name="Nick Brown", phone="207 555 0142")
    duplicate = customer_create(
        organisation=org, display_name="Brown, Nick", email="nick@example.com"
    )
    return keep, duplicate


def integration(org, provider):
    return Integration.objects.create(
        organisation=org,
        provider=provider,
        remote_company_id=provider,
        country="US",
        currency="USD",
    )


def link(integration, customer, remote_id):
    return Link.objects.create(
        integration=integration,
        kind="customer",
        object_id=customer.pk,
        remote_id=remote_id,
        created_by="remote",
    )


def test_everything_moves_to_the_customer_kept(org, pair):
    keep, duplicate = pair
    invoice = InvoiceFactory(organisation=org, customer=duplicate, status="sent")
    quote = QuoteFactory(organisation=org, customer=duplicate)
    payment = PaymentFactory(invoice=invoice)
    entry = TimeEntryFactory(
        timesheet=TimesheetFactory(member__organisation=org), customer=duplicate
    )
    staff = UserFactory(organisation=org)
    [history] = customer_merge(keep=keep, duplicates=[duplicate], by=staff)
    for record in (invoice, quote, payment, entry):
        record.refresh_from_db()
        assert record.customer == keep
    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert duplicate.merged_into == keep
    assert keep.email == "nick@example.com"  # a blank detail taken from the duplicate
    assert history.merged_by == staff
    assert history.moved == {
        "quotes": 1,
        "invoices": 1,
        "payments": 1,
        "time_entries": 1,
        "links": 0,
    }


def test_links_move_and_a_second_link_in_the_same_integration_is_recorded_as_merged(org, pair):
    keep, duplicate = pair
    qbo, xero = integration(org, "quickbooks"), integration(org, "xero")
    kept_qbo = link(qbo, keep, "Q1")
    dup_qbo = link(qbo, duplicate, "Q2")
    dup_xero = link(xero, duplicate, "X9")
    customer_merge(keep=keep, duplicates=[duplicate])
    dup_qbo.refresh_from_db()
    dup_xero.refresh_from_db()
    assert dup_qbo.merged_into == kept_qbo and dup_qbo.object_id == keep.pk
    assert dup_xero.merged_into is None and dup_xero.object_id == keep.pk
    entry = SyncLogEntry.objects.get()
    assert (entry.integration, entry.outcome, entry.remote_id) == (qbo, "merged", "Q2")
    assert "Brown, Nick" in entry.message


def test_preview_counts_what_would_move_without_changing_anything(org, pair):
    keep, duplicate = pair
    InvoiceFactory(organisation=org, customer=duplicate)
    preview = merge_preview(keep=keep, duplicates=[duplicate])
    assert (preview.invoices, preview.quotes, preview.filled) == (
        1,
        0,
        {"email": "nick@example.com"},
    )
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda keep, dup: (keep, [keep]), "cannot be merged into itself"),
        (lambda keep, dup: (keep, [CustomerFactory()]), "different organisations"),
        (lambda keep, dup: (keep, []), "at least one duplicate"),
    ],
)
def test_refused_merges_change_nothing(org, pair, make, message):
    keep, duplicate = pair
    InvoiceFactory(organisation=org, customer=duplicate)
    args = make(keep, duplicate)
    with pytest.raises(ValidationError, match=message):
        customer_merge(keep=args[0], duplicates=args[1])
    assert not CustomerMerge.objects.exists()
    assert not Customer.objects.filter(merged_into__isnull=False).exists()


def test_a_customer_cannot_be_merged_twice(org, pair):
    keep, duplicate = pair
    customer_merge(keep=keep, duplicates=[duplicate])
    other = customer_create(organisation=org, display_name="Other")
    duplicate.refresh_from_db()
    with pytest.raises(ValidationError, match="Already merged"):
        customer_merge(keep=other, duplicates=[duplicate])


def test_suggestions_find_reordered_names_email_case_and_phone_formats(org):
    nick = customer_create(organisation=org, display_name="Nick Brown")
    brown = customer_create(organisation=org, display_name="Brown, Nick")
    ann = customer_create(organisation=org, display_name="Ann", email="ann@example.com")
    ann2 = customer_create(organisation=org, display_name="Ann Lee", email="ANN@Example.com")
    bo = customer_create(organisation=org, display_name="Bo", phone="(207) 555-0101")
    bo2 = customer_create(organisation=org, display_name="Bob", phone="+1 207 555 0101")
    customer_create(organisation=org, display_name="Someone Else")
    groups = {s.customers: s.reason for s in duplicate_suggestions(organisation=org)}
    assert groups == {
        (ann, ann2): "Same e-mail address",
        (bo, bo2): "Same phone number",
        (nick, brown): "Same name, words in a different order",
    }


def test_merged_customers_are_not_suggested_again(org, pair):
    keep, duplicate = pair
    customer_merge(keep=keep, duplicates=[duplicate])
    assert duplicate_suggestions(organisation=org) == []
    assert Payment.objects.count() == 0


def test_merge_queues_the_kept_customer_and_drops_the_duplicates_waiting_push(org, pair):
    keep, duplicate = pair
    qbo = integration(org, "quickbooks")
    Change.objects.create(integration=qbo, kind="customer", object_id=duplicate.pk)
    invoice = InvoiceFactory(organisation=org, customer=duplicate, status="sent")
    customer_merge(keep=keep, duplicates=[duplicate])
    waiting = set(Change.objects.filter(state="pending").values_list("kind", "object_id"))
    assert waiting == {("customer", keep.pk), ("invoice", invoice.pk)}
