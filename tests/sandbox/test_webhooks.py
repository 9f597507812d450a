"""Signed change notifications reach the app's webhook URL and are redelivered on failure."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer

from apps.sandbox import tasks, webhooks
from apps.sandbox.models import SandboxWebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """A tiny webhook endpoint that records what it gets and answers the statuses it is told."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/quickbooks/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, seconds: float = 5) -> None:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def receiver(qbo_app):
    receiver = Receiver()
    qbo_app.webhook_url = receiver.url
    qbo_app.save()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def _create_customer(qb, name: str) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    return customer.save(qb=qb)


def test_change_posts_a_signed_cloudevent(qb, receiver, qbo_app, qbo_company):
    customer = _create_customer(qb, "Hooked Customer")
    receiver.wait_for(1)
    headers, body = receiver.received[0]
    assert qb.validate_webhook_signature(
        body.decode(), headers["intuit-signature"], qbo_app.webhook_key
    )
    assert headers["intuit-signature"] == webhooks.sign(qbo_app.webhook_key, body)
    (event,) = json.loads(body)
    assert event["specversion"] == "1.0"
    assert event["type"] == "qbo.customer.created.v1"
    assert event["intuitentityid"] == customer.Id
    assert event["intuitaccountid"] == qbo_company.external_id
    assert event["id"]


def test_a_tampered_body_does_not_match_the_signature(qb, receiver, qbo_app):
    _create_customer(qb, "Signed Sally")
    receiver.wait_for(1)
    headers, body = receiver.received[0]
    tampered = body.replace(b"created", b"deleted")
    assert not qb.validate_webhook_signature(
        tampered.decode(), headers["intuit-signature"], qbo_app.webhook_key
    )


def test_failed_delivery_is_retried_by_the_task_and_on_the_next_change(qb, receiver):
    receiver.statuses = [500]
    _create_customer(qb, "Retry Rita")
    receiver.wait_for(1)
    delivery = SandboxWebhookDelivery.objects.get()
    assert delivery.delivered_at is None and delivery.last_status == 500
    # Not due yet: the redelivery task leaves it alone.
    assert tasks.redeliver_webhooks() == 0
    SandboxWebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert tasks.redeliver_webhooks() == 1
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 2
    assert len(receiver.received) == 2 and receiver.received[0][1] == receiver.received[1][1]


def test_due_failures_go_out_again_with_the_next_change(qb, receiver):
    receiver.statuses = [503]
    _create_customer(qb, "First Fail")
    receiver.wait_for(1)
    SandboxWebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    _create_customer(qb, "Second Goes")
    receiver.wait_for(2)
    assert SandboxWebhookDelivery.objects.filter(delivered_at__isnull=True).count() == 0
    # The failed one went out again in the same notification as the new change.
    assert len(json.loads(receiver.received[1][1])) == 2


def test_a_late_failure_never_undoes_another_senders_delivery(qb, receiver):
    receiver.statuses = [503]
    _create_customer(qb, "Slow Sam")
    receiver.wait_for(1)
    delivery = SandboxWebhookDelivery.objects.get()
    SandboxWebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    claimed = webhooks._claim([delivery.pk])  # a sender whose post hangs past its lease
    SandboxWebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert webhooks.deliver(delivery.pk)  # another sender posts it, accepted

    webhooks._settle(claimed, None)  # the first post finally fails

    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.last_status == 200


def test_delivery_happens_in_the_background_when_not_inline(settings, qb, receiver):
    settings.SANDBOX_WEBHOOKS_INLINE = False
    _create_customer(qb, "Background Bob")
    receiver.wait_for(1)
    assert len(receiver.received) == 1


def test_refused_change_sends_nothing(qb, receiver):
    with pytest.raises(QuickbooksException):
        _create_customer(qb, "Amy's Bird Sanctuary")  # 6240: nothing changed
    time.sleep(0.2)
    assert receiver.received == []
    assert not SandboxWebhookDelivery.objects.exists()


def test_redelivery_runs_from_the_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    from apps.sandbox.schedule import REDELIVER_NAME, REDELIVER_TASK, ensure_periodic_tasks

    ensure_periodic_tasks()
    task = PeriodicTask.objects.get(name=REDELIVER_NAME)
    assert task.task == REDELIVER_TASK and task.enabled


def test_every_customer_of_a_batch_is_notified_once_in_one_notification(qb, receiver):
    body = {
        "BatchItemRequest": [
            {"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"Batch {n}"}}
            for n in range(3)
        ]
    }
    answers = qb.batch_operation(json.dumps(body))["BatchItemResponse"]
    receiver.wait_for(1)
    time.sleep(0.2)
    # Intuit's notification is an array of CloudEvents: the batch's three in one post.
    assert len(receiver.received) == 1
    events = json.loads(receiver.received[0][1])
    assert sorted(event["intuitentityid"] for event in events) == sorted(
        answer["Customer"]["Id"] for answer in answers
    )
    assert {event["type"] for event in events} == {"qbo.customer.created.v1"}
    assert SandboxWebhookDelivery.objects.filter(delivered_at__isnull=False).count() == 3
