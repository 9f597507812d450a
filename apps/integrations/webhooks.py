"""Webhook receivers for QuickBooks and Xero.

Verify the signature on the raw body in constant time, check the body against the provider's
documented shape (400 with the reason, nothing written, when it does not fit), keep each event
once (a redelivery is recognised by its id), answer at once, and leave the pulling to the sync
engine after commit.
QBO: https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks
Xero: https://developer.xero.com/documentation/guides/webhooks/overview/
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import payloads, reference_cache, registry
from .mentions import Mention
from .models import Integration, WebhookEvent
from .payloads import Notice
from .signals import integration_changes_notified

logger = logging.getLogger(__name__)


def signature_valid(*, body: bytes, signature: str, key: str) -> bool:
    if not key or not signature:
        return False
    expected = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def webhook_events_record(*, provider: str, events: list[Notice]) -> set[int]:
    """Store events not seen before; returns the integrations that now have something to pull.

    An event about organisation data the hub keeps per company (a tax code, an account) makes
    that kept copy stale and asks for no pull (docs/pulls.md)."""
    to_pull: set[int] = set()
    companies = {notice.company for notice in events}
    integrations = {
        i.remote_company_id: i
        for i in Integration.objects.filter(
            provider=provider, remote_company_id__in=companies
        ).exclude(status=Integration.Status.DISCONNECTED)
    }
    # One look for redeliveries and one insert for a notification's events, however many it
    # carries (a provider posts the events of a moment together).
    seen = _kept_event_ids(provider, [notice.event_id for notice in events])
    fresh = []
    for notice in events:
        if notice.event_id not in seen:  # else already received: a redelivery
            seen.add(notice.event_id)
            fresh.append(notice)
    # A redelivery stored by another process since the look is left as it is.
    WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(
                provider=provider,
                event_id=notice.event_id,
                integration=integrations.get(notice.company),
                payload=notice.event,
            )
            for notice in fresh
        ],
        ignore_conflicts=True,
    )
    for notice in fresh:
        integration = integrations.get(notice.company)
        if integration is None:
            continue
        if mention_of(provider, notice.event).reference:
            reference_cache.forget_all(integration)
        elif integration.is_connected and integration.sync_enabled:
            to_pull.add(integration.pk)
    if to_pull:
        transaction.on_commit(lambda: _pull(sorted(to_pull)))
    return to_pull


def _kept_event_ids(provider: str, event_ids: list[str]) -> set[str]:
    rows = WebhookEvent.objects.filter(provider=provider, event_id__in=event_ids)
    return set(rows.values_list("event_id", flat=True))


def mention_of(provider: str, event: dict) -> Mention:
    """The record a stored event names, in the engine's words."""
    webhook = registry.provider(provider).webhook
    return webhook.mention(event) if webhook else Mention(kind=None, remote_id="", at=None)


def _pull(integration_ids: list[int]) -> None:
    """Hand the integrations to the engine. Their events stay unprocessed until the engine has
    compared them with what it wrote itself (or pulled): it marks them processed."""
    integration_changes_notified.send(sender=WebhookEvent, integration_ids=integration_ids)


def _receive(request: HttpRequest, *, provider: str, header: str, key: str, parse) -> HttpResponse:
    body = request.body
    if not signature_valid(body=body, signature=request.headers.get(header, ""), key=key):
        return HttpResponse(status=401)
    try:
        events = parse(payloads.parse(body))
    except payloads.BadPayload as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    with transaction.atomic():
        webhook_events_record(provider=provider, events=events)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def receive(request: HttpRequest, provider: str) -> HttpResponse:
    """Xero's "intent to receive" check sends correctly and wrongly signed empty event lists:
    200 with an empty body for the first, 401 for the second."""
    try:
        webhook = registry.provider(provider).webhook
    except registry.UnknownProvider:
        raise Http404("Unknown provider") from None
    if webhook is None:
        raise Http404("This provider sends no webhooks")
    return _receive(
        request, provider=provider, header=webhook.header, key=webhook.key(), parse=webhook.parse
    )
