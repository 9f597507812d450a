"""Webhook receivers: signatures checked on the raw body, each event kept once
(docs/security.md, "Webhook bodies")."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from apps.integrations import webhooks as webhooks_module
from apps.integrations.models import Provider, WebhookEvent
from apps.sync import gather, receivers

pytestmark = pytest.mark.django_db

QBO_URL = "/webhooks/quickbooks/"
XERO_URL = "/webhooks/xero/"


def _sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def pulls(monkeypatch):
    """What the sync engine is asked to pull (its task is the edge of this app)."""
    asked: list[int] = []

    class PullTask:
        @staticmethod
        def delay(integration_id: int, trigger: str) -> None:
            assert trigger == "webhook"
            asked.append(integration_id)

    monkeypatch.setattr(receivers, "pull_integration", PullTask)
    # Each request asked, as on the embedded defaults: gathering has its own tests
    # (tests/sync/test_gather.py), and its marks would outlive a test whose tasks never start.
    monkeypatch.setattr(gather, "_shared", lambda: False)
    return asked


def _qbo_body(realm: str, event_id: str = "evt-1") -> bytes:
    return json.dumps(
        [
            {
                "specversion": "1.0",
                "id": event_id,
                "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
                "type": "qbo.customer.updated.v1",
                "datacontenttype": "application/json",
                "time": "2026-11-22T07:00:00Z",
                "intuitentityid": "58",
                "intuitaccountid": realm,
                "data": {},
            }
        ]
    ).encode()


def _post(client, url: str, body: bytes, header: str, signature: str, **extra):
    return client.post(url, body, content_type="application/json", headers={header: signature})


def test_signed_quickbooks_event_is_kept_and_pulled_after_commit(
    client, settings, make_integration, pulls, django_capture_on_commit_callbacks
):
    integration = make_integration(Provider.QUICKBOOKS, remote_company_id="9130001")
    body = _qbo_body("9130001")

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client, QBO_URL, body, "intuit-signature", _sign(body, settings.QBO_WEBHOOK_VERIFIER)
        )

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.provider, event.event_id, event.integration) == (
        Provider.QUICKBOOKS,
        "evt-1",
        integration,
    )
    assert pulls == [integration.pk]


def test_badly_signed_quickbooks_event_is_refused_and_not_kept(client, make_integration, pulls):
    make_integration(Provider.QUICKBOOKS, remote_company_id="9130001")
    body = _qbo_body("9130001")

    response = _post(client, QBO_URL, body, "intuit-signature", _sign(body, "some-other-verifier"))
    unsigned = client.post(QBO_URL, body, content_type="application/json")

    assert response.status_code == 401 and unsigned.status_code == 401
    assert not WebhookEvent.objects.exists() and pulls == []


def test_signature_is_checked_on_the_raw_body(client, settings, make_integration):
    make_integration(Provider.QUICKBOOKS, remote_company_id="9130001")
    body = _qbo_body("9130001")
    reformatted = json.dumps(json.loads(body), indent=2).encode()  # same JSON, other bytes

    response = _post(
        client, QBO_URL, reformatted, "intuit-signature", _sign(body, settings.QBO_WEBHOOK_VERIFIER)
    )

    assert response.status_code == 401


def test_replayed_quickbooks_event_is_accepted_once(
    client, settings, make_integration, pulls, django_capture_on_commit_callbacks
):
    make_integration(Provider.QUICKBOOKS, remote_company_id="9130001")
    body = _qbo_body("9130001")
    signature = _sign(body, settings.QBO_WEBHOOK_VERIFIER)

    with django_capture_on_commit_callbacks(execute=True):
        first = _post(client, QBO_URL, body, "intuit-signature", signature)
        replay = _post(client, QBO_URL, body, "intuit-signature", signature)

    assert first.status_code == replay.status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert len(pulls) == 1


def test_a_notification_of_many_events_keeps_each_new_one_once(
    client, settings, make_integration, pulls, django_capture_on_commit_callbacks
):
    integration = make_integration(Provider.QUICKBOOKS, remote_company_id="9130001")
    seen = _qbo_body("9130001", "evt-1")
    events = [json.loads(_qbo_body("9130001", event_id))[0] for event_id in ("evt-2", "evt-3")]
    # A redelivered event, two new ones, and one of them twice.
    many = json.dumps(json.loads(seen) + events + events[:1]).encode()
    key = settings.QBO_WEBHOOK_VERIFIER

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, QBO_URL, seen, "intuit-signature", _sign(seen, key))
        response = _post(client, QBO_URL, many, "intuit-signature", _sign(many, key))
        again = _post(client, QBO_URL, many, "intuit-signature", _sign(many, key))

    assert response.status_code == again.status_code == 200
    kept = sorted(WebhookEvent.objects.values_list("event_id", flat=True))
    assert kept == ["evt-1", "evt-2", "evt-3"]
    assert pulls == [integration.pk, integration.pk]  # the full redelivery asks for nothing


def test_a_redelivery_stored_by_another_process_meanwhile_is_kept_once(
    client, settings, make_integration, pulls, monkeypatch
):
    make_integration(Provider.QUICKBOOKS, remote_company_id="9130001")
    body = _qbo_body("9130001", "evt-race")
    key = settings.QBO_WEBHOOK_VERIFIER
    _post(client, QBO_URL, body, "intuit-signature", _sign(body, key))
    kept = WebhookEvent.objects.get()
    # The same delivery received by two processes at once: this one looked before the other
    # one's insert committed.
    monkeypatch.setattr(webhooks_module, "_kept_event_ids", lambda provider, event_ids: set())

    response = _post(client, QBO_URL, body, "intuit-signature", _sign(body, key))

    assert response.status_code == 200
    assert list(WebhookEvent.objects.values_list("pk", "event_id")) == [(kept.pk, "evt-race")]


def test_legacy_quickbooks_notification_is_understood(client, settings, make_integration, pulls):
    integration = make_integration(Provider.QUICKBOOKS, remote_company_id="9130001")
    body = json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": "9130001",
                    "dataChangeEvent": {
                        "entities": [
                            {
                                "name": "Invoice",
                                "id": "130",
                                "operation": "Update",
                                "lastUpdated": "2026-11-22T07:00:00Z",
                            }
                        ]
                    },
                }
            ]
        }
    ).encode()

    response = _post(
        client, QBO_URL, body, "intuit-signature", _sign(body, settings.QBO_WEBHOOK_VERIFIER)
    )

    assert response.status_code == 200
    assert WebhookEvent.objects.get().integration == integration


def _xero_body(tenant: str, category: str = "INVOICE") -> bytes:
    return json.dumps(
        {
            "events": [
                {
                    "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{tenant[:8]}",
                    "resourceId": "d3a4e1b2-0000-4000-8000-000000000001",
                    "eventDateUtc": "2026-11-22T07:00:00.000",
                    "eventType": "UPDATE",
                    "eventCategory": category,
                    "tenantId": tenant,
                    "tenantType": "ORGANISATION",
                }
            ],
            "firstEventSequence": 1,
            "lastEventSequence": 1,
            "entropy": "S0m3r4Nd0mt3xt",
        }
    ).encode()


def test_xero_intent_to_receive_gets_an_empty_200_or_a_401(client, settings):
    body = json.dumps(
        {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": "x"}
    ).encode()

    good = _post(client, XERO_URL, body, "x-xero-signature", _sign(body, settings.XERO_WEBHOOK_KEY))
    bad = _post(client, XERO_URL, body, "x-xero-signature", _sign(body, "wrong-key"))

    assert good.status_code == 200 and good.content == b""
    assert bad.status_code == 401


def test_xero_event_without_an_id_is_deduplicated_by_its_content(
    client, settings, make_integration, pulls, django_capture_on_commit_callbacks
):
    integration = make_integration(Provider.XERO, remote_company_id="tenant-1")
    body = _xero_body("tenant-1")
    signature = _sign(body, settings.XERO_WEBHOOK_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert _post(client, XERO_URL, body, "x-xero-signature", signature).status_code == 200
        other = _xero_body("tenant-1", category="CONTACT")
        _post(client, XERO_URL, other, "x-xero-signature", _sign(other, settings.XERO_WEBHOOK_KEY))

    assert WebhookEvent.objects.filter(integration=integration).count() == 2
    assert pulls == [integration.pk, integration.pk]
    # They wait for the engine, which marks them processed once it compared or pulled them.
    assert WebhookEvent.objects.filter(processed_at__isnull=True).count() == 2


def test_events_for_a_disconnected_or_paused_integration_are_kept_but_not_pulled(
    client, settings, make_integration, pulls, django_capture_on_commit_callbacks
):
    make_integration(Provider.XERO, remote_company_id="tenant-1", sync_enabled=False)
    body = _xero_body("tenant-1")

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, XERO_URL, body, "x-xero-signature", _sign(body, settings.XERO_WEBHOOK_KEY))

    assert WebhookEvent.objects.count() == 1 and pulls == []
    assert WebhookEvent.objects.get().processed_at is None


def test_webhooks_need_no_csrf_token(settings, make_integration):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    body = _xero_body("tenant-1")

    response = _post(
        strict, XERO_URL, body, "x-xero-signature", _sign(body, settings.XERO_WEBHOOK_KEY)
    )

    assert response.status_code == 200


def test_a_webhook_for_a_provider_the_hub_does_not_offer_is_not_found(client, settings):
    body = b"[]"
    signature = _sign(body, settings.QBO_WEBHOOK_VERIFIER)

    response = client.post(
        "/webhooks/sage/", body, content_type="application/json", HTTP_INTUIT_SIGNATURE=signature
    )

    assert response.status_code == 404
    assert not WebhookEvent.objects.exists()


def test_a_provider_that_sends_no_webhooks_has_no_webhook_url(client, settings):
    """MYOB has no change notifications: it is polled, and nothing is received for it."""
    body = b"[]"
    signature = _sign(body, settings.QBO_WEBHOOK_VERIFIER)

    response = client.post(
        "/webhooks/myob/", body, content_type="application/json", HTTP_INTUIT_SIGNATURE=signature
    )

    assert response.status_code == 404
    assert not WebhookEvent.objects.exists()
