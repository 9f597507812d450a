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
    auth = {"HTTP_AUTHORIZATION": f"Bearer {qbo_token.access_token}"}

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
