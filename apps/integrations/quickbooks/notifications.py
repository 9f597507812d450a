"""QuickBooks Online webhook bodies, in both shapes Intuit sends.

CloudEvents (current): a list of events, each with the CloudEvents attributes and Intuit's
``intuitentityid`` / ``intuitaccountid``; the legacy shape: ``{"eventNotifications": [{"realmId",
"dataChangeEvent": {"entities": [{"name", "id", "operation", "lastUpdated"}]}}]}``.
https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks
https://blogs.intuit.com/2025/11/12/upcoming-change-to-webhooks-payload-structure/
https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md (required attributes)
Only the documented fields are kept; anything else in an event is dropped, not stored.
"""

from __future__ import annotations

from typing import Any

from apps.integrations.mentions import Mention, moment
from apps.integrations.payloads import (
    BadPayload,
    Notice,
    content_id,
    free_object,
    items,
    obj,
    text,
)

# Realm ids are 16 to 19 digits; the column holding them is 64 long.
COMPANY_LENGTH = 64


def notices(payload: Any) -> list[Notice]:
    if isinstance(payload, list):
        return [
            _cloud_event(event, f"events[{i}]") for i, event in enumerate(items(payload, "events"))
        ]
    if isinstance(payload, dict) and "eventNotifications" in payload:
        return _legacy(payload)
    raise BadPayload("A QuickBooks body is a list of events or an object with eventNotifications.")


def _cloud_event(value: Any, where: str) -> Notice:
    event = obj(value, where)
    kept = {
        "specversion": text(event, "specversion", where, max_length=10),
        "id": text(event, "id", where),
        "source": text(event, "source", where, max_length=500),
        "type": text(event, "type", where),
        "intuitentityid": text(event, "intuitentityid", where, max_length=64),
        "intuitaccountid": text(event, "intuitaccountid", where, max_length=COMPANY_LENGTH),
    }
    for optional in ("datacontenttype", "time"):
        if optional in event:
            kept[optional] = text(event, optional, where)
    if "data" in event:
        kept["data"] = free_object(event, "data", where)
    return Notice(event_id=kept["id"], company=kept["intuitaccountid"], event=kept)


def _legacy(payload: dict) -> list[Notice]:
    found: list[Notice] = []
    for n, value in enumerate(items(payload["eventNotifications"], "eventNotifications")):
        where = f"eventNotifications[{n}]"
        notification = obj(value, where)
        realm = text(notification, "realmId", where, max_length=COMPANY_LENGTH)
        change = obj(notification.get("dataChangeEvent"), f"{where}.dataChangeEvent")
        entities = items(change.get("entities"), f"{where}.dataChangeEvent.entities")
        for e, entity_value in enumerate(entities):
            at = f"{where}.dataChangeEvent.entities[{e}]"
            entity = obj(entity_value, at)
            event = {
                "realmId": realm,
                "name": text(entity, "name", at, max_length=64),
                "id": text(entity, "id", at, max_length=64),
                "operation": text(entity, "operation", at, max_length=20),
                "lastUpdated": text(entity, "lastUpdated", at, max_length=40),
            }
            # A merge names the record that was merged away.
            if "deletedId" in entity:
                event["deletedId"] = text(entity, "deletedId", at, max_length=64)
            found.append(Notice(event_id=content_id(event), company=realm, event=event))
    return found


# What a notification names, in the engine's words: entity → hub kind. Entities the hub keeps
# per company (apps.integrations.reference_cache) only make their kept copy stale.
KINDS = {
    "Customer": "customer",
    "Invoice": "invoice",
    "Estimate": "quote",
    "Payment": "payment",
    "CreditMemo": "credit_note",
    "RefundReceipt": "refund",
}
SALES_RECEIPT = "SalesReceipt"
REFERENCE = {"TaxCode", "TaxRate", "TaxAgency", "Account", "Item", "Term", "Preferences"}
DELETED = {"delete", "deleted", "merge", "merged"}
# CloudEvents ``type``: qbo.<entity>.<verb>.v<n>, the entity in lower case.
ENTITIES = {name.lower(): name for name in (*KINDS, SALES_RECEIPT, *REFERENCE)}


def mention(event: dict) -> Mention:
    """The record a stored event (either shape) names, and when it changed."""
    if "intuitentityid" in event:
        parts = str(event.get("type", "")).split(".")
        entity = ENTITIES.get(parts[1].lower(), parts[1]) if len(parts) > 2 else ""
        verb = parts[2] if len(parts) > 2 else ""
        own_id, at = str(event["intuitentityid"]), event.get("time")
    else:
        entity, verb = str(event.get("name", "")), str(event.get("operation", ""))
        own_id, at = str(event.get("id", "")), event.get("lastUpdated")
    kind, remote_id = KINDS.get(entity), own_id
    if entity == SALES_RECEIPT:  # the engine's payments without an invoice (adapter.fetch)
        kind, remote_id = "payment", f"{SALES_RECEIPT}/{own_id}"
    return Mention(
        kind=kind,
        remote_id=remote_id,
        at=moment(at),
        deleted=verb.lower() in DELETED,
        reference=entity in REFERENCE,
    )
