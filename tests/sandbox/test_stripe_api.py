"""The Stripe sandbox answered through the official ``stripe`` library over real HTTP."""

from __future__ import annotations

import json
import time

import pytest
import requests
import stripe

from apps.sandbox.stripe import objects
from apps.sandbox.stripe.events import signature_header

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def account():
    company, key, _ = objects.account_create(name="Harbour Plumbing")
    return company, key


def client(live_server, key):
    return stripe.StripeClient(
        api_key=key, base_addresses={"api": f"{live_server.url}/sandbox/stripe"}
    )


def test_a_payouts_balance_transactions_are_listed_newest_first_in_pages(live_server, account):
    company, key = account
    for cents in (12000, 8050, 30000):
        objects.charge_create(company, amount=cents, currency="usd")
    payout = objects.payout_create(company)
    api = client(live_server, key)
    first = api.v1.balance_transactions.list(params={"payout": payout.record_id, "limit": 2})
    assert first.object == "list" and first.has_more is True and len(first.data) == 2
    every = list(
        api.v1.balance_transactions.list(
            params={"payout": payout.record_id, "limit": 2, "expand": ["data.source"]}
        ).auto_paging_iter()
    )
    charges = [txn for txn in every if txn.type == "charge"]
    assert [txn.amount for txn in charges] == [30000, 8050, 12000]
    assert all(txn.source.object == "charge" and txn.currency == "usd" for txn in charges)
    assert sum(txn.net for txn in charges) == api.v1.payouts.retrieve(payout.record_id).amount
    assert [txn.type for txn in every if txn.type != "charge"] == ["payout"]


def test_a_wrong_key_gets_401_with_stripes_error_shape(live_server, account):
    with pytest.raises(stripe.AuthenticationError) as refused:
        client(live_server, "sk_test_wrong").v1.payouts.retrieve("po_x")
    assert refused.value.http_status == 401
    answer = requests.get(f"{live_server.url}/sandbox/stripe/v1/payouts/po_x", timeout=5)
    assert answer.status_code == 401 and answer.json()["error"]["type"] == "invalid_request_error"


def test_an_unknown_payout_is_404_resource_missing(live_server, account):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client(live_server, account[1]).v1.payouts.retrieve("po_nothing")
    assert refused.value.http_status == 404
    assert refused.value.code == "resource_missing" and refused.value.param == "id"


def test_limit_above_100_and_unknown_parameters_are_refused(live_server, account):
    api = client(live_server, account[1])
    with pytest.raises(stripe.InvalidRequestError) as too_many:
        api.v1.balance_transactions.list(params={"limit": 101})
    assert too_many.value.param == "limit"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        api.v1.balance_transactions.list(params={"colour": "blue"})
    assert unknown.value.param == "colour"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        api.v1.balance_transactions.list(params={"payout": "po_nothing"})
    assert missing.value.code == "resource_missing" and missing.value.param == "payout"


def test_a_charge_repeated_with_its_idempotency_key_is_made_once(live_server, account):
    company, key = account
    api = client(live_server, key)
    params = {"amount": 5000, "currency": "USD", "source": "tok_visa"}
    first = api.v1.charges.create(params=params, options={"idempotency_key": "charge-1"})
    again = api.v1.charges.create(params=params, options={"idempotency_key": "charge-1"})
    assert first.id == again.id and first.currency == "usd" and first.amount == 5000
    assert objects.store.records(company, objects.CHARGE).count() == 1
    with pytest.raises(stripe.InvalidRequestError) as small:
        api.v1.charges.create(params={**params, "amount": 49})
    assert small.value.code == "amount_too_small"


def test_an_idempotency_key_reused_with_other_parameters_is_refused(live_server, account):
    company, key = account
    api = client(live_server, key)
    params = {"amount": 5000, "currency": "usd", "source": "tok_visa"}
    api.v1.charges.create(params=params, options={"idempotency_key": "charge-1"})
    with pytest.raises(stripe.IdempotencyError) as reused:
        api.v1.charges.create(
            params={**params, "amount": 6000}, options={"idempotency_key": "charge-1"}
        )
    assert reused.value.http_status == 400
    assert reused.value.error.type == "idempotency_error"
    assert "same parameters they were first used with" in reused.value.user_message
    assert objects.store.records(company, objects.CHARGE).count() == 1


def _charge(live_server, key, data, idempotency_key):
    return requests.post(
        f"{live_server.url}/sandbox/stripe/v1/charges",
        data=data,
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idempotency_key},
        timeout=5,
    )


def test_an_idempotency_key_over_255_characters_is_refused(live_server, account):
    company, key = account
    params = {"amount": 5000, "currency": "usd", "source": "tok_visa"}
    answer = _charge(live_server, key, params, "k" * 256)
    assert answer.status_code == 400 and "at most 255 characters" in answer.text
    assert not objects.store.records(company, objects.CHARGE).exists()


def test_two_long_idempotency_keys_alike_in_their_first_200_characters_are_two_keys(
    live_server, account
):
    company, key = account
    params = {"amount": 5000, "currency": "usd", "source": "tok_visa"}
    first = _charge(live_server, key, params, "k" * 250 + "-1")
    second = _charge(live_server, key, params, "k" * 250 + "-2")
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] != second.json()["id"]
    assert objects.store.records(company, objects.CHARGE).count() == 2


def test_a_charge_without_a_source_is_refused(live_server, account):
    company, key = account
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client(live_server, key).v1.charges.create(params={"amount": 5000, "currency": "usd"})
    assert refused.value.http_status == 400
    assert refused.value.user_message == "Must provide source or customer."
    assert not objects.store.records(company, objects.CHARGE).exists()


def test_events_are_delivered_signed_and_retried_until_accepted(live_server, settings):
    settings.SANDBOX_WEBHOOKS_INLINE = True
    url = f"{live_server.url}/nowhere/"
    company, key, secret = objects.account_create(name="Signed", webhook_url=url)
    objects.charge_create(company, amount=10000, currency="usd")
    payout = objects.payout_create(company)
    delivery = objects.SandboxApp.objects.get(webhook_key=secret).sandboxwebhookdelivery_set.get()
    assert delivery.delivered_at is None and delivery.attempts == 1  # 404: retried later
    event = json.loads(delivery.payload)
    assert event["type"] == "payout.paid" and event["data"]["object"]["id"] == payout.record_id
    fetched = client(live_server, key).v1.events.retrieve(event["id"])
    assert fetched.type == "payout.paid"
    header = signature_header(secret, delivery.payload.encode(), at=int(time.time()))
    verified = stripe.Webhook.construct_event(delivery.payload, header, secret)
    assert verified.id == event["id"]
