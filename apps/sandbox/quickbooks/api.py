"""Running one QBO operation and shaping its answer; shared by the entity endpoints and batch."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany

from . import faults, ops, query, records
from .records import company_zone, find, render
from .schema import BY_URL_NAME, ENTITIES, Entity

CDC_MAX_DAYS = 30
CDC_MAX_OBJECTS = 1000


def entity_for_url(name: str) -> Entity:
    entity = BY_URL_NAME.get(name.lower())
    if entity is None:
        raise faults.unsupported(f"on resource {name}", "this API")
    return entity


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise faults.malformed_body(
            f"Error parsing object: the body is not valid JSON ({exc})."
        ) from exc


def write(
    company: SandboxCompany, entity: Entity, body: Any, *, operation: str = "", include: str = ""
) -> dict[str, Any]:
    """Create, update, sparse update, delete or void as the query string and body ask."""
    if operation == "delete":
        record = ops.delete(company, entity, body)
    elif operation == "void" or include == "void":
        record = ops.void(company, entity, body)
    elif operation not in ("", "update", "create"):
        raise faults.unsupported(operation, entity.name)
    elif operation != "create" and _has_id(body):
        record = ops.update(company, entity, body, sparse=_is_sparse(body))
    elif operation == "update":
        raise faults.required("Id")
    else:
        record = ops.create(company, entity, body)
    return {entity.name: render(record, company_zone(company))}


def _has_id(body: Any) -> bool:
    return isinstance(body, dict) and body.get("Id") not in (None, "", "0", 0)


def _is_sparse(body: dict) -> bool:
    value = body.get("sparse")
    return value is True or str(value).lower() == "true"


def read(
    company: SandboxCompany, entity: Entity, record_id: str, *, include: str = ""
) -> dict[str, Any]:
    record = find(company, entity.name, record_id)
    if record is None:
        raise faults.not_found(entity.name, record_id)
    row = render(record, company_zone(company))
    return {entity.name: with_invoice_link(company, row) if _wants_link(include) else row}


def run_query(company: SandboxCompany, text: str, *, include: str = "") -> dict[str, Any]:
    answer = query.run(company, text)
    if _wants_link(include) and "Invoice" in answer:
        answer["Invoice"] = [with_invoice_link(company, row) for row in answer["Invoice"]]
    return {"QueryResponse": answer}


def _wants_link(include: str) -> bool:
    return "invoicelink" in include.lower().split(",")


def with_invoice_link(company: SandboxCompany, row: dict[str, Any]) -> dict[str, Any]:
    """``?include=invoiceLink``: "Sharable link for the invoice sent to external customers.
    The link is generated only for invoices with online payment enabled and having a valid
    customer email address." (Invoice entity page, InvoiceLink, minor version 36)
    https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice"""
    online = row.get("AllowOnlineCreditCardPayment") or row.get("AllowOnlineACHPayment")
    if "TotalAmt" not in row or not online or not (row.get("BillEmail") or {}).get("Address"):
        return row
    digest = hashlib.sha256(f"{company.external_id}:{row['Id']}".encode()).hexdigest()
    return {**row, "InvoiceLink": f"https://connect.intuit.com/t/scs-v1-{digest[:40]}"}


def change_data_capture(company: SandboxCompany, entities: str, changed_since: str) -> dict:
    """Everything of these entities changed since the moment given, deleted ones as
    ``{"Id", "status": "Deleted"}``; at most 30 days back and 1000 objects."""
    names = [name.strip() for name in (entities or "").split(",") if name.strip()]
    if not names:
        raise faults.required("entities")
    chosen = []
    for name in names:
        entity = next((e for e in ENTITIES.values() if e.name.lower() == name.lower()), None)
        if entity is None or not entity.cdc:
            raise faults.invalid_property(
                f"Property Name:entities value {name} is not supported by change data capture",
                "entities",
            )
        chosen.append(entity)
    since = _parse_since(changed_since)
    rows = store.records_changed_since(
        company=company, entities=[e.name for e in chosen], since=since
    )[:CDC_MAX_OBJECTS]
    grouped: dict[str, list] = {entity.name: [] for entity in chosen}
    zone = company_zone(company)
    for record in rows:
        grouped[record.entity].append(render(record, zone))
    responses = []
    for name, items in grouped.items():
        if items:
            responses.append({name: items, "startPosition": 1, "maxResults": len(items)})
        else:
            responses.append({})
    return {"CDCResponse": [{"QueryResponse": responses}]}


def _parse_since(value: str) -> datetime:
    if not value:
        raise faults.required("changedSince")
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        raise faults.invalid_property(
            f"Property Name:changedSince value {value} is not a valid date-time", "changedSince"
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment < timezone.now() - timedelta(days=CDC_MAX_DAYS):
        raise faults.invalid_property(
            "Property Name:changedSince cannot be more than 30 days in the past", "changedSince"
        )
    return moment


BATCH_MAX_ITEMS = 30


def batch(company: SandboxCompany, body: Any) -> dict[str, Any]:
    """Run each item in order, each in its own savepoint, with a Fault per failed item. As in
    QBO, an item does not see the records created by earlier items of the same batch."""
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise faults.required("BatchItemRequest")
    if len(items) > BATCH_MAX_ITEMS:
        raise faults.invalid_property(
            f"Property Name:BatchItemRequest has {len(items)} items; at most "
            f"{BATCH_MAX_ITEMS} are allowed in one batch request",
            "BatchItemRequest",
        )
    answers = []
    token = records.batch_created.set(frozenset())
    try:
        for item in items:
            answer = _batch_item(company, item)
            answers.append(answer)
            if isinstance(item, dict) and str(item.get("operation") or "create") == "create":
                created = [(name, body["Id"]) for name, body in answer.items() if name in ENTITIES]
                records.batch_created.set(records.batch_created.get() | set(created))
    finally:
        records.batch_created.reset(token)
    return {"BatchItemResponse": answers}


def _batch_item(company: SandboxCompany, item: Any) -> dict[str, Any]:
    bid = item.get("bId", "") if isinstance(item, dict) else ""
    try:
        with transaction.atomic():
            result = _batch_result(company, item)
    except faults.QboFault as fault:
        result = {"Fault": fault.as_fault()}
    return {"bId": bid, **result}


def _batch_result(company: SandboxCompany, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise faults.malformed_body("Each BatchItemRequest must be a JSON object.")
    if "Query" in item:
        return run_query(company, item["Query"])
    names = [key for key in item if key in ENTITIES]
    if len(names) != 1:
        raise faults.required("BatchItemRequest entity")
    entity = ENTITIES[names[0]]
    operation = str(item.get("operation") or "create").lower()
    if operation not in ("create", "update", "delete"):
        raise faults.unsupported(operation, entity.name)
    include = "void" if str(item.get("optionsData") or "").lower() == "void" else ""
    return write(company, entity, item[entity.name], operation=operation, include=include)
