"""Running ``seed_demo`` again is harmless: a demo customer or item a ledger renamed is found by
its key, never made again (and so never pushed to the ledgers as someone new)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.catalog.models import ServiceItem
from apps.catalog.services import service_item_update
from apps.customers.merging import customer_merge
from apps.customers.models import Customer
from apps.customers.services import customer_update
from apps.sync.models import Change

pytestmark = pytest.mark.django_db


def thomas() -> Customer:
    return Customer.objects.get(given_name="Thomas", display_name__startswith="Thomas ")


def test_rerunning_the_demo_after_a_ledger_renamed_a_customer_adds_no_one():
    call_command("seed_demo")
    customers, items = Customer.objects.count(), ServiceItem.objects.count()
    original = thomas().display_name
    customer_update(customer=thomas(), display_name="Tom Green (Harbour)")
    permit = ServiceItem.objects.get(name="Permit fee")
    service_item_update(item=permit, name="Permits")
    Change.objects.all().delete()
    call_command("seed_demo")
    assert Customer.objects.count() == customers
    assert ServiceItem.objects.count() == items
    assert not Customer.objects.filter(display_name=original).exists()
    assert not Change.objects.exists()  # nothing new to push to any ledger


def test_a_demo_seeded_before_keys_existed_is_recognised_by_name_or_email():
    call_command("seed_demo")
    customers = Customer.objects.count()
    Customer.objects.update(demo_key="")
    ServiceItem.objects.update(demo_key="")
    Customer.objects.filter(pk=thomas().pk).update(display_name="Tom G.")
    call_command("seed_demo")
    assert Customer.objects.count() == customers
    assert Customer.objects.filter(demo_key="").count() == 0  # every one keyed now
    call_command("seed_demo")
    assert Customer.objects.count() == customers


def test_a_merged_demo_customer_is_not_brought_back():
    call_command("seed_demo")
    customers = Customer.objects.count()
    keep = Customer.objects.get(display_name="Nick Brown")
    customer_merge(keep=keep, duplicates=[Customer.objects.get(display_name="Brown, Nick")])
    call_command("seed_demo")
    assert Customer.objects.count() == customers
    assert Customer.objects.filter(merged_into__isnull=True).count() == customers - 1
