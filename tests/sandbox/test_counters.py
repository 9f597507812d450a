"""The sandboxes' per-company counters (record ids, document numbers): each create gets the
next number, none twice, even from two requests at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from apps.sandbox.models import SandboxCompany
from apps.sandbox.store import next_number
from tests.threads import run_at_once


def test_a_counter_starts_where_asked_and_counts_up_one_at_a_time(qbo_company):
    taken = [next_number(qbo_company, "DocNumber", start=1001) for _ in range(3)]

    assert taken == [1001, 1002, 1003]
    stored = SandboxCompany.objects.get(pk=qbo_company.pk).settings["counters"]
    assert stored["DocNumber"] == 1003
    assert qbo_company.settings["counters"]["DocNumber"] == 1003


def test_counters_of_a_company_count_apart_and_keep_its_other_settings(qbo_company):
    qbo_company.settings["currency"] = "USD"
    qbo_company.save()

    next_number(qbo_company, "id:Widget")
    next_number(qbo_company, "id:Widget")
    assert next_number(qbo_company, "id:Gadget") == 1

    stored = SandboxCompany.objects.get(pk=qbo_company.pk).settings
    assert stored["counters"]["id:Widget"] == 2
    assert stored["currency"] == "USD"


@pytest.mark.django_db(transaction=True)
def test_two_requests_creating_at_once_never_get_the_same_number():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time")
    from apps.sandbox.companies import company_create

    company = company_create(provider="quickbooks", name="Counting Co", country="US")
    taken: list[int] = []
    lock = threading.Lock()

    def create_many():
        try:
            for _ in range(20):
                with transaction.atomic():
                    value = next_number(SandboxCompany.objects.get(pk=company.pk), "id:Bill")
                with lock:
                    taken.append(value)
        finally:
            connection.close()

    run_at_once(create_many, 3)

    assert sorted(taken) == list(range(1, 61))
