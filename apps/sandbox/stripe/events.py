"""Events and their delivery to the account's webhook endpoints.

Each event is stored (``GET /v1/events/{id}`` answers it) and posted to every endpoint with a
``Stripe-Signature`` header: ``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the
endpoint's whsec_ secret>``, signed afresh on every attempt. A delivery that is not answered with
a 2xx is retried (apps.sandbox.webhooks, the shared retry table).
https://docs.stripe.com/webhooks#verify-events
https://docs.stripe.com/webhooks#retries
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.sandbox import store, webhooks
from apps.sandbox.models import SandboxApp, SandboxCompany, SandboxWebhookDelivery

# The API version the sandbox's objects follow.
API_VERSION = "2024-06-20"


def signature_header(secret: str, body: bytes, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    signed = f"{at}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def emit(account: SandboxCompany, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    from .objects import EVENT, new_id

    endpoints = list(
        SandboxApp.objects.filter(client_id__in=account.settings.get("webhook_endpoints", []))
        .exclude(webhook_url="")
        .order_by("pk")
    )
    event = {
        "id": new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": len(endpoints),
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }
    store.record_create(
        company=account, entity=EVENT, record_id=event["id"], data=event, notify=False
    )
    body = json.dumps(event, indent=2)
    ids = [
        SandboxWebhookDelivery.objects.create(
            app=endpoint, company=account, payload=body, next_attempt_at=timezone.now()
        ).pk
        for endpoint in endpoints
    ]
    if ids:
        transaction.on_commit(lambda: webhooks.deliver_in_background(ids))
    return event
