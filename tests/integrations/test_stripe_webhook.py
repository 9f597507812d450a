"""POST /webhooks/stripe/<account>/ over real HTTP: Stripe's signed payout events are recorded
once; forged, stale, replayed and malformed requests get 400 and write nothing."""

from __future__ import annotations

import json
import time

import pytest
import requests

from apps.integrations.models import StripeEvent
from apps.payouts.models import Payout
from apps.sandbox.models import SandboxApp, SandboxWebhookDelivery
from apps.sandbox.stripe import objects
from apps.sandbox.stripe.connect import stripe_sandbox_connect
from apps.sandbox.stripe.events import signature_header
from apps.sync.models import Change
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paid_out(live_server, settings, monkeypatch):
    """A connected Stripe sandbox account that has just paid out one charge; the event waits
    (not sent), so each test posts it as it likes. Returns (url, body, secret)."""
    from cryptography.fernet import Fernet

    settings.SITE_URL = live_server.url
    settings.STRIPE_API_BASE = f"{live_server.url}/sandbox/stripe"
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    monkeypatch.setattr("apps.sandbox.webhooks.deliver_in_background", lambda ids: None)
    organisation = OrganisationFactory(name="Harbour Plumbing", country="US", currency="USD")
    connected, account = stripe_sandbox_connect(organisation)
    objects.charge_create(account, amount=10000, currency="usd")
    objects.payout_create(account)
    delivery = SandboxWebhookDelivery.objects.get(company=account)
    secret = SandboxApp.objects.get(pk=delivery.app_id).webhook_key
    url = f"{live_server.url}/webhooks/stripe/{connected.account_id}/"
    return url, delivery.payload, secret


def post(url: str, body: str, header: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    return requests.post(url, data=body.encode(), headers=headers, timeout=10)


def nothing_written() -> bool:
    return not (StripeEvent.objects.exists() or Payout.objects.exists() or Change.objects.exists())


def test_a_signed_payout_event_is_recorded_and_a_redelivery_writes_nothing_more(paid_out):
    url, body, secret = paid_out
    assert post(url, body, signature_header(secret, body.encode())).status_code == 200
    changes = Change.objects.filter(kind="payout").count()
    again = post(url, body, signature_header(secret, body.encode(), at=int(time.time()) + 1))
    assert again.status_code == 200 and "Already received" in again.text
    assert Payout.objects.count() == 1 and StripeEvent.objects.count() == 1
    assert Change.objects.filter(kind="payout").count() == changes


def test_a_second_event_about_the_same_payout_records_it_once(paid_out):
    url, body, secret = paid_out
    post(url, body, signature_header(secret, body.encode()))
    other = json.dumps({**json.loads(body), "id": "evt_another"})
    assert post(url, other, signature_header(secret, other.encode())).status_code == 200
    assert Payout.objects.count() == 1 and Payout.objects.get().lines.count() == 1
    assert StripeEvent.objects.count() == 2


def test_a_forged_signature_is_refused_and_nothing_is_written(paid_out):
    url, body, _ = paid_out
    answer = post(url, body, signature_header("whsec_not_the_secret", body.encode()))
    assert answer.status_code == 400 and "Signature" in answer.text
    assert nothing_written()


def test_a_body_changed_after_signing_is_refused(paid_out):
    url, body, secret = paid_out
    header = signature_header(secret, body.encode())
    tampered = body.replace('"payout.paid"', '"payout.failed"')
    assert post(url, tampered, header).status_code == 400
    assert nothing_written()


def test_a_stale_signature_is_refused_and_nothing_is_written(paid_out):
    url, body, secret = paid_out
    old = signature_header(secret, body.encode(), at=int(time.time()) - 301)
    assert post(url, body, old).status_code == 400
    assert nothing_written()


def test_the_same_signed_request_sent_again_is_refused_as_a_replay(paid_out):
    url, body, secret = paid_out
    header = signature_header(secret, body.encode())
    assert post(url, body, header).status_code == 200
    before = (StripeEvent.objects.count(), Payout.objects.count(), Change.objects.count())
    replay = post(url, body, header)
    assert replay.status_code == 400 and "replay" in replay.text
    assert (StripeEvent.objects.count(), Payout.objects.count(), Change.objects.count()) == before


@pytest.mark.parametrize(
    "body",
    ["not json", "[1, 2]", '{"id": "evt_1", "type": "payout.paid"}', '{"id": "evt_1"}', ""],
    ids=["not-json", "a-list", "no-data-object", "no-type", "empty"],
)
def test_a_malformed_body_signed_correctly_is_refused(paid_out, body):
    url, _, secret = paid_out
    answer = post(url, body, signature_header(secret, body.encode()))
    assert answer.status_code == 400
    assert nothing_written()


def test_a_missing_or_garbled_signature_header_is_refused(paid_out):
    url, body, _ = paid_out
    assert post(url, body, None).status_code == 400
    assert post(url, body, "t=abc,v1=").status_code == 400
    assert nothing_written()


def test_an_unknown_account_address_is_refused(paid_out, live_server):
    _, body, secret = paid_out
    url = f"{live_server.url}/webhooks/stripe/acct_unknown/"
    assert post(url, body, signature_header(secret, body.encode())).status_code == 400
    assert nothing_written()


def test_a_signed_event_naming_a_payout_stripe_never_made_is_refused(paid_out):
    url, body, secret = paid_out
    event = json.loads(body)
    event["id"], event["data"]["object"]["id"] = "evt_made_up", "po_made_up"
    made_up = json.dumps(event)
    answer = post(url, made_up, signature_header(secret, made_up.encode()))
    assert answer.status_code == 400 and "no payout po_made_up" in answer.text
    assert nothing_written()


def test_when_stripe_cannot_be_read_nothing_is_kept_and_stripe_is_asked_to_retry(
    paid_out, settings
):
    url, body, secret = paid_out
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    answer = post(url, body, signature_header(secret, body.encode()))
    assert answer.status_code == 503
    assert nothing_written()


def test_an_event_of_another_type_is_acknowledged_and_nothing_is_kept(paid_out):
    url, _, secret = paid_out
    body = json.dumps(
        {"id": "evt_other", "type": "charge.succeeded", "data": {"object": {"id": "ch_1"}}}
    )
    answer = post(url, body, signature_header(secret, body.encode()))
    assert answer.status_code == 200
    assert nothing_written()


def test_a_signed_event_of_another_stripe_account_is_refused(paid_out):
    url, body, secret = paid_out
    event = {**json.loads(body), "account": "acct_someone_else"}
    foreign = json.dumps(event)
    answer = post(url, foreign, signature_header(secret, foreign.encode()))
    assert answer.status_code == 400 and "another Stripe account" in answer.text
    assert nothing_written()


@pytest.mark.parametrize(
    "event_id, payout_id",
    [
        ("evt_" + "e" * 300, "po_1"),
        ("evt_nul\u0000", "po_1"),
        ("evt_path", "po_/../../v1/account"),
        ("evt_long", "po_" + "x" * 5000),
        ("evt_list", ["po_1"]),
    ],
    ids=["long-event-id", "nul-in-event-id", "path-in-payout-id", "long-payout-id", "list-id"],
)
def test_ids_that_are_not_stripe_ids_are_refused_not_a_server_error(paid_out, event_id, payout_id):
    url, _, secret = paid_out
    body = json.dumps(
        {"id": event_id, "type": "payout.paid", "data": {"object": {"id": payout_id}}}
    )
    answer = post(url, body, signature_header(secret, body.encode()))
    assert answer.status_code == 400
    assert nothing_written()


def test_stripe_is_read_before_anything_is_written_so_no_write_lock_waits_on_it(
    paid_out, monkeypatch
):
    from django.db import connection

    from apps.integrations import stripe_payouts

    url, body, secret = paid_out
    read = stripe_payouts.payout_read
    seen_while_reading = []

    def watched(account, payout_id):
        seen_while_reading.append((connection.in_atomic_block, StripeEvent.objects.exists()))
        return read(account, payout_id)

    monkeypatch.setattr(stripe_payouts, "payout_read", watched)
    assert post(url, body, signature_header(secret, body.encode())).status_code == 200
    assert seen_while_reading == [(False, False)]
    assert Payout.objects.count() == 1 and StripeEvent.objects.count() == 1


def test_a_delivery_recorded_while_stripe_is_read_is_answered_already_received(
    paid_out, monkeypatch
):
    from apps.integrations import stripe_payouts

    url, body, secret = paid_out
    read = stripe_payouts.payout_read

    def meanwhile(account, payout_id):
        # The same event, delivered at the same time, is recorded by the other request.
        StripeEvent.objects.create(
            account=account, event_id=json.loads(body)["id"], signature="t=1,v1=other"
        )
        return read(account, payout_id)

    monkeypatch.setattr(stripe_payouts, "payout_read", meanwhile)
    answer = post(url, body, signature_header(secret, body.encode()))
    assert answer.status_code == 200 and "Already received" in answer.text
    assert StripeEvent.objects.count() == 1 and not Payout.objects.exists()
