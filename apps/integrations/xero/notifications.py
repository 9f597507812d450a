"""Xero webhook bodies: ``{"events": [...], "firstEventSequence", "lastEventSequence",
"entropy"}``, every event with resourceUrl, resourceId, eventDateUtc, eventType, eventCategory,
tenantId and tenantType, credit-note events with ``data`` too.
https://developer.xero.com/documentation/guides/webhooks/overview/
https://github.com/XeroAPI/Xero-OpenAPI/blob/master/xero-webhooks.yaml (schema WebhookEvent)
Xero's "intent to receive" check sends no events and sequence numbers of 0. Event types and
categories are checked as bounded words, not against today's list, so a category Xero adds is
pulled for rather than refused (a refused delivery is retried, then the webhook is disabled).
Only the documented fields are kept.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from apps.integrations.mentions import Mention, moment
from apps.integrations.payloads import (
    BadPayload,
    Notice,
    content_id,
    free_object,
    integer,
    items,
    obj,
    text,
)

# The schema's bounds for sequence numbers (0 in the intent-to-receive check).
MAX_SEQUENCE = 2_147_483_647
WORD = re.compile(r"[A-Z][A-Z_]*")
EVENT_FIELDS = {
    "resourceUrl": 500,
    "resourceId": 64,
    "eventDateUtc": 40,
    "eventType": 40,
    "eventCategory": 40,
    "tenantId": 64,
    "tenantType": 40,
}


def notices(payload: Any) -> list[Notice]:
    body = obj(payload, "The body")
    for key in ("firstEventSequence", "lastEventSequence"):
        integer(body, key, "body", low=0, high=MAX_SEQUENCE)
    text(body, "entropy", "body")
    if "events" not in body:
        raise BadPayload("body.events must be a list.")
    return [
        _event(value, f"events[{i}]") for i, value in enumerate(items(body["events"], "events"))
    ]


def _event(value: Any, where: str) -> Notice:
    event = obj(value, where)
    kept = {key: text(event, key, where, max_length=length) for key, length in EVENT_FIELDS.items()}
    for key in ("eventType", "eventCategory", "tenantType"):
        if not WORD.fullmatch(kept[key]):
            raise BadPayload(f"{where}.{key} must be a word such as UPDATE or INVOICE.")
    if "data" in event:
        kept["data"] = free_object(event, "data", where)
    return Notice(event_id=content_id(kept), company=kept["tenantId"], event=kept)


# Xero sends webhooks for contacts and invoices (and credit notes, subscriptions): category →
# hub kind. Any other category is pulled for, as before.
KINDS = {"CONTACT": "customer", "INVOICE": "invoice", "CREDITNOTE": "credit_note"}


def mention(event: dict) -> Mention:
    """The record a stored event names, and when the event happened (Xero's clock, UTC)."""
    return Mention(
        kind=KINDS.get(str(event.get("eventCategory", ""))),
        remote_id=str(event.get("resourceId", "")),
        at=moment(event.get("eventDateUtc")),
    )


def credit_note_announced(integration, since: datetime) -> bool:
    """Whether a CREDITNOTE event for the tenant was received since ``since`` (the hub's
    clock): a pull then reads credit notes even when no invoice moved (docs/pulls.md)."""
    return _events(integration, since).filter(payload__eventCategory="CREDITNOTE").exists()


def webhooks_arrive(integration, since: datetime) -> bool:
    """Whether the tenant's webhooks reach the hub: one arrived since ``since``."""
    return _events(integration, since).exists()


def _events(integration, since: datetime):
    from apps.integrations.models import WebhookEvent  # the registry loads this before models

    return WebhookEvent.objects.filter(integration=integration, received_at__gte=since)
