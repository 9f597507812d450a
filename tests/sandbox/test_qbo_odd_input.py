"""Odd bodies sent to every QBO entity: each is answered 200 or with a 4xx fault, never a 500."""

from __future__ import annotations

import json

import pytest

from apps.sandbox.quickbooks.schema import BY_URL_NAME

pytestmark = pytest.mark.django_db

ODD_BODIES = [
    {},
    {"Id": "abc", "SyncToken": "0"},
    {"Id": "1", "SyncToken": "0", "sparse": "maybe"},
    {"Line": [{}]},
    {"Line": [{"LinkedTxn": [{}], "Amount": 1}]},
    {"Line": [{"Amount": 1e308, "DetailType": "SalesItemLineDetail"}]},
    {"Line": [{"Amount": 3, "DepositLineDetail": {"AccountRef": {"value": "9999"}}}]},
    {"Line": [{"Amount": 2, "DetailType": "DiscountLineDetail"}]},
    {"CustomerRef": {"value": {"x": 1}}},
    {"CustomerRef": {"value": "1"}, "TotalAmt": -5},
    {"CustomerRef": {"value": "1"}, "Line": [{"Amount": -10}], "TxnDate": "2024-02-30"},
    {"DisplayName": "x" * 5000, "Name": None},
    {"NameOf": "Robot", "Hours": 1},
    {"NameOf": "Vendor", "VendorRef": {"value": "1"}, "StartTime": "soon"},
    {"DepositToAccountRef": {"value": "1"}, "Line": [{"LinkedTxn": [{"TxnId": "1"}]}]},
    {"Type": "Inventory", "Name": "Widget", "IncomeAccountRef": {"value": "5"}},
    {"AccountType": "Wishful", "Name": "Dreams"},
    [],
    "just text",
    12,
]


@pytest.fixture
def api(client, qbo_token, settings):
    settings.SANDBOX_LIMITS = {"quickbooks": {"minute": 100_000}}
    base = f"/sandbox/quickbooks/v3/company/{qbo_token.company.external_id}"
    auth = {
        "HTTP_AUTHORIZATION": f"Bearer {qbo_token.access_token}",
        "HTTP_ACCEPT": "application/json",
    }

    def post(path: str, body, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        url = f"{base}/{path}" + (f"?{query}" if query else "")
        return client.post(url, data=json.dumps(body), content_type="application/json", **auth)

    return post


@pytest.mark.parametrize("entity", sorted(BY_URL_NAME))
def test_odd_bodies_never_crash(api, entity):
    for body in ODD_BODIES:
        for params in ({}, {"operation": "delete"}, {"operation": "void"}):
            response = api(entity, body, **params)
            assert response.status_code in (200, 400), (entity, body, params, response.content)
            if response.status_code == 400:
                assert response.json()["Fault"]["Error"][0]["code"]


@pytest.mark.parametrize(
    "body",
    [{}, {"BatchItemRequest": "x"}, {"BatchItemRequest": [1, "a", {}, {"Query": 5}]}, []],
)
def test_odd_batches_never_crash(api, body):
    response = api("batch", body)
    assert response.status_code in (200, 400)


ODD_QUERIES = [
    "",
    "select",
    "select * from",
    "select * from Customer where",
    "select * from Customer where DisplayName",
    "select * from Customer where DisplayName =",
    "select * from Customer where DisplayName in ()",
    "select * from Customer where DisplayName in ('a',",
    "select * from Customer orderby",
    "select * from Customer order by",
    "select * from Customer startposition -1",
    "select * from Customer maxresults 0",
    "select * from Customer maxresults 1.5",
    "SELECT COUNT( FROM Customer",
    "select * from Customer where Balance > 'abc'",
    "select * from Customer where MetaData.LastUpdatedTime > 'not-a-date'",
    "select * from Invoice where CustomerRef.value = '1'",
    "select * from Customer where DisplayName = 'José'",
    "select * from Customer where DisplayName like '%'",
    "select * from Customer where Id = 5",
    "select * from Customer where Active = maybe",
    "select * from Customer; drop table x",
    "select * from Customer where DisplayName = 'a' and",
    "\x00\x01",
]


@pytest.mark.parametrize("text", ODD_QUERIES)
def test_odd_queries_never_crash(client, qbo_token, settings, text):
    settings.SANDBOX_LIMITS = {"quickbooks": {"minute": 100_000}}
    response = client.get(
        f"/sandbox/quickbooks/v3/company/{qbo_token.company.external_id}/query",
        {"query": text},
        HTTP_AUTHORIZATION=f"Bearer {qbo_token.access_token}",
    )
    assert response.status_code in (200, 400), response.content
