"""Service items, time activities and employees through both adapters, over real HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.integrations.contract import PermanentError
from apps.integrations.quickbooks.time import hours_and_minutes
from apps.sandbox.models import SandboxRecord
from tests.factories import ServiceItemFactory, TeamMemberFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db(transaction=True)


def remote_items(company, entity: str):
    return SandboxRecord.objects.filter(company=company, entity=entity, deleted=False)


@pytest.mark.parametrize(
    ("hours", "expected"),
    [("7.5", (7, 30)), ("0.33", (0, 20)), ("1.999", (2, 0)), ("24", (24, 0))],
)
def test_hours_are_sent_as_whole_hours_and_minutes(hours, expected):
    assert hours_and_minutes(Decimal(hours)) == expected


def test_quickbooks_item_is_created_as_a_service_then_found_by_name_not_copied(qbo):
    adapter, company = qbo
    item = ServiceItemFactory(
        organisation=adapter.integration.organisation, name="Leak: trace", taxable=False
    )
    created = adapter.push_item(item, None, key=f"item-{item.pk}")
    count = remote_items(company, "Item").count()
    again = adapter.push_item(item, None, key=f"item-{item.pk}-again")
    assert (created.matched, again.matched) == (False, True)
    assert again.remote_id == created.remote_id
    assert remote_items(company, "Item").count() == count
    data = remote_items(company, "Item").get(record_id=created.remote_id).data
    assert (data["Name"], data["Type"], data["Taxable"]) == ("Leak trace", "Service", False)
    assert data["IncomeAccountRef"]["value"]


def test_xero_item_with_the_same_code_is_matched_and_keeps_its_code(xero):
    adapter, company = xero
    item = ServiceItemFactory(
        organisation=adapter.integration.organisation, name="Labour", unit_price="92.00"
    )
    count = remote_items(company, "Items").count()
    pushed = adapter.push_item(item, None, key=f"item-{item.pk}")
    assert pushed.matched
    assert remote_items(company, "Items").count() == count
    data = remote_items(company, "Items").get(record_id=pushed.remote_id).data
    assert data["Code"] == "LABOUR" and data["Name"] == "Labour"
    assert Decimal(str(data["SalesDetails"]["UnitPrice"])) == Decimal("92.00")


def test_quickbooks_lists_the_company_employees(qbo):
    adapter, _ = qbo
    names = [employee.name for employee in adapter.list_employees()]
    assert names == ["Emily Platt", "John Johnson"]


def test_xero_has_no_employees_and_refuses_time_activities(xero):
    adapter, _ = xero
    member = TeamMemberFactory(organisation=adapter.integration.organisation)
    entry = TimeEntryFactory(timesheet__member=member)
    assert adapter.list_employees() == []
    with pytest.raises(PermanentError, match="no time activities"):
        adapter.push_time_entry(
            entry,
            None,
            employee_remote_id="1",
            customer_remote_id=None,
            item_remote_id=None,
            key="t",
        )
