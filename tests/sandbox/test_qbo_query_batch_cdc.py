"""Query language, batch, change data capture and requestid replay, through python-quickbooks."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from quickbooks.batch import batch_create, batch_delete
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item

from apps.sandbox.models import SandboxRecord

from .test_qbo_entities import _customer, _invoice

pytestmark = pytest.mark.django_db(transaction=True)


def test_query_where_like_in_order_and_paging(qb):
    for name in ("Zed Alpha", "Zed Beta", "Zed Gamma"):
        _customer(qb, name)
    found = Customer.where("DisplayName LIKE 'Zed%'", order_by="DisplayName DESC", qb=qb)
    assert [c.DisplayName for c in found] == ["Zed Gamma", "Zed Beta", "Zed Alpha"]
    page = Customer.where(
        "DisplayName LIKE 'Zed%'", order_by="DisplayName", start_position=2, max_results=1, qb=qb
    )
    assert [c.DisplayName for c in page] == ["Zed Beta"]
    ids = [found[0].Id, found[2].Id]
    chosen = Customer.choose(ids, field="Id", qb=qb)
    assert sorted(c.Id for c in chosen) == sorted(ids)
    assert Customer.count("DisplayName LIKE 'Zed%'", qb=qb) == 3


def test_query_comparisons_on_numbers_dates_and_refs(qb):
    customer = _customer(qb)
    small = _invoice(qb, customer, 10)
    big = _invoice(qb, customer, 500)
    mine_only = f"CustomerRef = '{customer.Id}'"
    assert [i.Id for i in Invoice.where(f"TotalAmt > '100' and {mine_only}", qb=qb)] == [big.Id]
    assert [i.Id for i in Invoice.where(f"TotalAmt <= '10' and {mine_only}", qb=qb)] == [small.Id]
    mine = Invoice.where(f"CustomerRef = '{customer.Id}'", qb=qb)
    assert {i.Id for i in mine} == {small.Id, big.Id}
    since = (timezone.now() - timedelta(minutes=5)).isoformat()
    assert len(Invoice.where(f"MetaData.LastUpdatedTime >= '{since}'", qb=qb)) == 2


def test_query_by_post_and_get_agree(qb):
    posted = qb.query("SELECT * FROM Item WHERE Name = 'Pest Control'")
    got = qb.get(
        f"{qb.api_url}/company/{qb.company_id}/query",
        params={"query": "select * from Item where Name = 'Pest Control'"},
    )
    assert posted["QueryResponse"]["Item"][0]["Id"] == got["QueryResponse"]["Item"][0]["Id"]
    assert posted["QueryResponse"]["startPosition"] == 1


def test_query_with_nothing_found_is_an_empty_query_response(qb):
    answer = qb.query("select * from Customer where DisplayName = 'Nobody at all'")
    assert answer["QueryResponse"] == {}
    assert answer["time"]


def test_inactive_names_are_hidden_unless_asked_for(qb):
    customer = Customer.get(_customer(qb, "Gone Fishing").Id, qb=qb)
    customer.Active = False
    customer.save(qb=qb)
    assert not Customer.filter(DisplayName="Gone Fishing", qb=qb)
    assert Customer.where("DisplayName = 'Gone Fishing' AND Active = false", qb=qb)


@pytest.mark.parametrize(
    "text,code",
    [
        ("select * form Customer", 4000),
        ("select * from Customer where DisplayName = 'x' OR Id = '1'", 4000),
        ("select * from Customer where Nope = 'x'", 4001),
        ("select * from Unicorn", 4001),
        ("select * from Customer maxresults many", 4000),
        ("select * from Customer where DisplayName = 'unterminated", 4000),
    ],
)
def test_bad_query_syntax_is_a_query_fault(qb, text, code):
    with pytest.raises(QuickbooksException) as raised:
        qb.query(text)
    assert raised.value.error_code == code


def test_batch_creates_with_a_fault_per_failed_item(qb):
    good, duplicate = Customer(), Customer()
    good.DisplayName = "Batch Good"
    duplicate.DisplayName = "Amy's Bird Sanctuary"
    result = batch_create([good, duplicate], qb=qb)
    assert [c.DisplayName for c in result.successes] == ["Batch Good"]
    assert len(result.faults) == 1
    assert result.faults[0].Error[0].code == "6240"
    assert Customer.filter(DisplayName="Batch Good", qb=qb)


def test_batch_runs_queries_updates_voids_and_deletes(qb):
    customer = _customer(qb)
    to_void = _invoice(qb, customer, 20)
    to_delete = _invoice(qb, customer, 30)
    body = {
        "BatchItemRequest": [
            {"bId": "q1", "Query": "select * from Item where Name = 'Pest Control'"},
            {
                "bId": "u1",
                "operation": "update",
                "Customer": {"Id": customer.Id, "SyncToken": "0", "sparse": True, "Notes": "vip"},
            },
            {
                "bId": "v1",
                "operation": "update",
                "optionsData": "void",
                "Invoice": {"Id": to_void.Id, "SyncToken": "0"},
            },
            {"bId": "d1", "operation": "delete", "Invoice": {"Id": to_delete.Id, "SyncToken": "0"}},
            {"bId": "bad", "operation": "delete", "Invoice": {"Id": "424242", "SyncToken": "0"}},
        ]
    }
    answers = {
        item["bId"]: item for item in qb.batch_operation(json_body(body))["BatchItemResponse"]
    }
    assert answers["q1"]["QueryResponse"]["Item"][0]["Name"] == "Pest Control"
    assert answers["u1"]["Customer"]["Notes"] == "vip"
    assert answers["v1"]["Invoice"]["TotalAmt"] == 0
    assert answers["d1"]["Invoice"]["status"] == "Deleted"
    assert answers["bad"]["Fault"]["Error"][0]["code"] == "610"


def test_batch_delete_through_the_client(qb):
    customer = _customer(qb)
    invoices = [Invoice.get(_invoice(qb, customer, n).Id, qb=qb) for n in (5, 6)]
    result = batch_delete(invoices, qb=qb)
    assert not result.faults
    assert not Invoice.filter(CustomerRef=customer.Id, qb=qb)


def test_batch_of_more_than_30_items_is_refused(qb):
    items = [{"bId": str(n), "Query": "select * from Item"} for n in range(31)]
    with pytest.raises(QuickbooksException) as raised:
        qb.batch_operation(json_body({"BatchItemRequest": items}))
    assert raised.value.error_code == 2010


def test_change_data_capture_lists_changes_and_deletions(qb):
    # python-quickbooks sends whole seconds: step past the second the sample data was seeded in.
    time.sleep(1)
    since = timezone.now()
    customer = _customer(qb, "Changed Lately")
    invoice = _invoice(qb, customer, 40)
    Invoice.get(invoice.Id, qb=qb).delete(qb=qb)
    result = change_data_capture([Customer, Invoice], since, qb=qb)
    assert [c.DisplayName for c in result.Customer] == ["Changed Lately"]
    deleted = qb.change_data_capture("Invoice", since.isoformat())
    rows = deleted["CDCResponse"][0]["QueryResponse"][0]["Invoice"]
    assert rows == [
        {"Id": invoice.Id, "status": "Deleted", "domain": "QBO", "MetaData": rows[0]["MetaData"]}
    ]


def test_change_data_capture_refuses_more_than_30_days(qb):
    with pytest.raises(QuickbooksException):
        qb.change_data_capture("Customer", (timezone.now() - timedelta(days=31)).isoformat())


def test_change_data_capture_refuses_time_activity(qb):
    with pytest.raises(QuickbooksException):
        qb.change_data_capture("TimeActivity", timezone.now().isoformat())


def test_requestid_replay_returns_the_first_answer_and_creates_once(qb, qbo_company):
    customer = Customer()
    customer.DisplayName = "Exactly Once"
    first = customer.save(qb=qb, request_id="change-42-create")
    second = customer.save(qb=qb, request_id="change-42-create")
    assert first.Id == second.Id
    assert (
        SandboxRecord.objects.filter(
            company=qbo_company, entity="Customer", data__DisplayName="Exactly Once"
        ).count()
        == 1
    )


def test_requestid_is_not_spent_by_a_refused_request(qb):
    item = Item()
    item.Name, item.Type = "Retry me", "Service"
    with pytest.raises(QuickbooksException):
        item.save(qb=qb, request_id="item-7")
    item.IncomeAccountRef = Item.filter(Name="Services", qb=qb)[0].IncomeAccountRef
    assert item.save(qb=qb, request_id="item-7").Id


def json_body(body: dict) -> str:
    return json.dumps(body)


def test_customers_are_found_by_email_and_name_ignoring_case(qb):
    by_email = Customer.filter(PrimaryEmailAddr="surf@intuit.com", qb=qb)
    assert [c.DisplayName for c in by_email] == ["Bill's Windsurf Shop"]
    by_name = Customer.where("DisplayName = 'BILL\\'S WINDSURF SHOP'", qb=qb)
    assert [c.Id for c in by_name] == [by_email[0].Id]


def test_batch_items_do_not_see_records_created_earlier_in_the_batch(qb):
    # Ids are handed out in sequence: the next one follows the last one created.
    next_id = str(int(_customer(qb, "Batch Forerunner").Id) + 1)
    body = {
        "BatchItemRequest": [
            {"bId": "new", "operation": "create", "Customer": {"DisplayName": "Batch Newcomer"}},
            {
                "bId": "touch",
                "operation": "update",
                "Customer": {"Id": next_id, "SyncToken": "0", "sparse": True, "Notes": "x"},
            },
        ]
    }
    answers = {i["bId"]: i for i in qb.batch_operation(json_body(body))["BatchItemResponse"]}
    assert answers["new"]["Customer"]["Id"] == next_id
    assert answers["touch"]["Fault"]["Error"][0]["code"] == "610"
    assert Customer.get(next_id, qb=qb).SyncToken == "0"  # visible again after the batch


def test_property_names_in_queries_ignore_case(qb):
    lower = qb.query(
        "select * from item where name = 'Pest Control' "
        "and metadata.createtime > '2000-01-01T00:00:00Z'"
    )
    assert lower["QueryResponse"]["Item"][0]["Name"] == "Pest Control"


def test_times_without_offset_are_compared_too(qb):
    from quickbooks.helpers import qb_datetime_format

    customer = _customer(qb, "Recent Rita")
    since = qb_datetime_format(timezone.now() - timedelta(minutes=1))
    recent = Customer.where(f"MetaData.LastUpdatedTime >= '{since}'", qb=qb)
    assert customer.Id in {c.Id for c in recent}
