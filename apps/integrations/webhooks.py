"""Webhook receivers for QuickBooks and Xero (issue 4, item 7).

Verify the signature on the raw body in constant time, keep each event once (a redelivery is
recognised by its id), answer at once, and leave the pulling to the sync engine after commit.
QBO: https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks
Xero: https://developer.xero.com/documentation/guides/webhooks/overview/
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Integration, Provider, WebhookEvent
from .sync_hooks import sync_hook

logger = logging.getLogger(__name__)


def signature_valid(*, body: bytes, signature: str, key: str) -> bool:
    if not key or not signature:
        return False
    expected = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def _event_hash(event: dict) -> str:
    return hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()


def quickbooks_events(payload: object) -> list[tuple[str, str, dict]]:
    """(event id, realm id, event) for the CloudEvents array and the legacy shape alike."""
    events: list[tuple[str, str, dict]] = []
    if isinstance(payload, list):
        for event in payload:
            if isinstance(event, dict):
                event_id = str(event.get("id") or _event_hash(event))
                events.append((event_id, str(event.get("intuitaccountid") or ""), event))
    elif isinstance(payload, dict):
        for notification in payload.get("eventNotifications") or []:
            realm = str(notification.get("realmId") or "")
            for entity in (notification.get("dataChangeEvent") or {}).get("entities") or []:
                event = {"realmId": realm, **entity}
                events.append((_event_hash(event), realm, event))
    return events


def xero_events(payload: object) -> list[tuple[str, str, dict]]:
    """Xero events carry no id of their own: the event's content identifies it."""
    events = payload.get("events") if isinstance(payload, dict) else None
    return [
        (str(event.get("eventId") or _event_hash(event)), str(event.get("tenantId") or ""), event)
        for event in events or []
        if isinstance(event, dict)
    ]


def webhook_events_record(*, provider: str, events: list[tuple[str, str, dict]]) -> set[int]:
    """Store events not seen before; returns the integrations that now have something to pull."""
    to_pull: set[int] = set()
    companies = {company for _, company, _ in events if company}
    integrations = {
        i.remote_company_id: i
        for i in Integration.objects.filter(
            provider=provider, remote_company_id__in=companies
        ).exclude(status=Integration.Status.DISCONNECTED)
    }
    for event_id, company, event in events:
        integration = integrations.get(company)
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(
                    provider=provider,
                    event_id=event_id[:200],
                    integration=integration,
                    payload=event,
                )
        except IntegrityError:
            continue  # already received: a redelivery
        if integration is not None and integration.is_connected and integration.sync_enabled:
            to_pull.add(integration.pk)
    if to_pull:
        transaction.on_commit(lambda: _pull(sorted(to_pull)))
    return to_pull


def _pull(integration_ids: list[int]) -> None:
    pull = sync_hook("apps.sync.tasks", "pull_integration")
    if pull is None:
        return
    for integration_id in integration_ids:
        pull.delay(integration_id, trigger="webhook")  # SyncRun.Trigger.WEBHOOK
    # Handed to the engine: the pull reads every change since the last one, these included.
    WebhookEvent.objects.filter(
        integration_id__in=integration_ids, processed_at__isnull=True
    ).update(processed_at=timezone.now())


def _receive(request: HttpRequest, *, provider: str, header: str, key: str, parse) -> HttpResponse:
    body = request.body
    if not signature_valid(body=body, signature=request.headers.get(header, ""), key=key):
        return HttpResponse(status=401)
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return HttpResponse("The body is not JSON.", status=400, content_type="text/plain")
    with transaction.atomic():
        webhook_events_record(provider=provider, events=parse(payload))
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def quickbooks_webhook(request: HttpRequest) -> HttpResponse:
    return _receive(
        request,
        provider=Provider.QUICKBOOKS,
        header="intuit-signature",
        key=settings.QBO_WEBHOOK_VERIFIER,
        parse=quickbooks_events,
    )


@csrf_exempt
@require_POST
def xero_webhook(request: HttpRequest) -> HttpResponse:
    # Xero's "intent to receive" check sends correctly and wrongly signed empty event lists:
    # 200 with an empty body for the first, 401 for the second.
    return _receive(
        request,
        provider=Provider.XERO,
        header="x-xero-signature",
        key=settings.XERO_WEBHOOK_KEY,
        parse=xero_events,
    )
