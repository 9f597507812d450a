"""Signed change notifications to the apps connected to a sandbox company.

A notification is stored first (SandboxWebhookDelivery), then posted with real HTTP after the
change commits, by one background sender thread per process, so no request or lock waits on
the receiver. A failed
delivery is retried with Intuit's back-off: by the ``redeliver_webhooks`` task and whenever the
company changes again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import queue
import secrets
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import (
    Provider,
    SandboxApp,
    SandboxCompany,
    SandboxRecord,
    SandboxToken,
    SandboxWebhookDelivery,
)

logger = logging.getLogger(__name__)

# Intuit retries after 10 s, 20 s, 30 s, 5 min, then up to 6 h; we stop after the table.
RETRY_DELAYS = [10, 20, 30, 300, 1200, 3600, 21600]
TIMEOUT_SECONDS = 5
# Xero only sends notifications for these (organisation events of xero-webhooks.yaml, Xero's
# OpenAPI webhook specification: CONTACT, INVOICE and CREDITNOTE; SUBSCRIPTION is an app's).
XERO_CATEGORIES = {"Contacts": "CONTACT", "Invoices": "INVOICE", "CreditNotes": "CREDITNOTE"}


def sign(key: str, body: bytes) -> str:
    """base64(HMAC-SHA256(key, body)): QBO's intuit-signature and Xero's x-xero-signature."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class _Batch:
    """The notifications of one API request: the apps and the next Xero sequence number of each
    company read once, and the committed deliveries handed to the sender once, at the end."""

    apps: dict[int, list[SandboxApp]] = field(default_factory=dict)
    sequences: dict[int, int] = field(default_factory=dict)
    committed: dict[int, tuple[SandboxCompany, list[int]]] = field(default_factory=dict)


_batch: ContextVar[_Batch | None] = ContextVar("sandbox_webhook_batch", default=None)


@contextmanager
def one_send_per_request() -> Iterator[None]:
    """Collect the notifications of the block (one API request) and send them once it ends,
    with the company's earlier failures, as ``notify`` alone does after each change."""
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
        for company, ids in batch.committed.values():
            _send_with_due(company, ids)


def _send_with_due(company: SandboxCompany, ids: list[int]) -> None:
    # Earlier failures for this company go out again together with the new change.
    ids = ids + list(_due(company=company).exclude(pk__in=ids).values_list("pk", flat=True))
    deliver_in_background(ids)


def connected_apps(company: SandboxCompany) -> list[SandboxApp]:
    batch = _batch.get()
    if batch is None:
        return _connected_apps(company)
    if company.pk not in batch.apps:
        batch.apps[company.pk] = _connected_apps(company)
    return list(batch.apps[company.pk])


def _connected_apps(company: SandboxCompany) -> list[SandboxApp]:
    if company.provider == Provider.XERO:
        app_ids = _xero_connected_app_ids(company)
    else:
        app_ids = (
            SandboxToken.objects.filter(company=company, revoked=False)
            .values_list("app_id", flat=True)
            .distinct()
        )
    return list(SandboxApp.objects.filter(pk__in=app_ids).exclude(webhook_url=""))


def _xero_connected_app_ids(company: SandboxCompany) -> set[int]:
    """Apps whose current token still has the tenant: one token may hold several tenants, and
    a deleted connection takes one out (oauth.connection_delete)."""
    live = SandboxToken.objects.filter(
        app__provider=Provider.XERO, revoked=False, superseded_at__isnull=True
    ).values_list("app_id", "company_id", "tenant_ids")
    return {
        app_id
        for app_id, company_id, tenant_ids in live
        if (
            company.external_id in tenant_ids
            if tenant_ids is not None
            else company_id == company.pk
        )
    }


def _qbo_payload(company: SandboxCompany, entity: str, record_id: str, operation: str) -> list:
    verb = {"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided"}
    return [
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "intuit.sandbox",
            "type": f"qbo.{entity.lower()}.{verb.get(operation, operation.lower())}.v1",
            "datacontenttype": "application/json",
            "time": timezone.now().isoformat().replace("+00:00", "Z"),
            "intuitentityid": str(record_id),
            "intuitaccountid": company.external_id,
            "data": {},
        }
    ]


def _xero_payload(company: SandboxCompany, entity: str, record_id: str, operation: str) -> dict:
    # Sequence numbers count up from 1 and fit a 32-bit integer (maximum 2147483647 in
    # https://github.com/XeroAPI/Xero-OpenAPI/blob/master/xero-webhooks.yaml).
    sequence = _next_sequence(company)
    extra = {}
    if entity == "CreditNotes":
        # A credit note's event carries its Type and Status (CreditNoteWebhookEvent, ibid.).
        data = (
            SandboxRecord.objects.filter(company=company, entity=entity, record_id=record_id)
            .values_list("data", flat=True)
            .first()
        ) or {}
        extra = {"data": {"Type": data.get("Type"), "Status": data.get("Status")}}
    return {
        "events": [
            {
                **extra,
                "resourceUrl": f"{settings.XERO_API_BASE}/{entity}/{record_id}",
                "resourceId": str(record_id),
                "eventDateUtc": timezone.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
                "eventType": "CREATE" if operation == "Create" else "UPDATE",
                "eventCategory": XERO_CATEGORIES[entity],
                "tenantId": company.external_id,
                "tenantType": "ORGANISATION",
            }
        ],
        "firstEventSequence": sequence,
        "lastEventSequence": sequence,
        "entropy": secrets.token_hex(10).upper(),
    }


def _next_sequence(company: SandboxCompany) -> int:
    batch = _batch.get()
    if batch is None or company.pk not in batch.sequences:
        sequence = SandboxWebhookDelivery.objects.filter(company=company).count() + 1
    else:
        sequence = batch.sequences[company.pk]
    if batch is not None:
        # Each notification stores one delivery per app; the count grows by that many.
        batch.sequences[company.pk] = sequence + len(connected_apps(company))
    return sequence


def notify(company: SandboxCompany, entity: str, record_id: str, operation: str) -> None:
    """Queue a notification of a change (operation Create / Update / Delete / Void) to every app
    connected to the company; it is posted once the current transaction commits."""
    if company.provider == Provider.XERO and entity not in XERO_CATEGORIES:
        return
    apps = connected_apps(company)
    if not apps:
        return
    if company.provider == Provider.QUICKBOOKS:
        payload = _qbo_payload(company, entity, record_id, operation)
    else:
        payload = _xero_payload(company, entity, record_id, operation)
    body = json.dumps(payload)
    rows = [
        SandboxWebhookDelivery(
            app=app, company=company, payload=body, next_attempt_at=timezone.now()
        )
        for app in apps
    ]
    held = _held.get()
    if held is not None:
        held.append((company, rows))  # stored with the others when the write ends
        return
    for row in rows:
        row.save()
    _stored(company, rows)


def _stored(company: SandboxCompany, rows: list[SandboxWebhookDelivery]) -> None:
    """The deliveries, saved, handed to the sender once the transaction commits."""
    ids = [row.pk for row in rows]
    batch = _batch.get()
    if batch is None:
        transaction.on_commit(lambda: _send_with_due(company, ids))
    else:
        transaction.on_commit(lambda: _committed(batch, company, ids))


# Deliveries of a write not stored yet (``stored_together``): (company, its unsaved rows).
_held: ContextVar[list[tuple[SandboxCompany, list[SandboxWebhookDelivery]]] | None] = ContextVar(
    "sandbox_webhook_held", default=None
)


@contextmanager
def stored_together() -> Iterator[list]:
    """Store the notifications of the block's changes in one insert as it ends (it must end
    inside the transaction of those changes), not one insert each: a Xero write of 50 invoices
    with new contacts stored 100 deliveries one by one. The block gets the list they are held in:
    the caller truncates it to drop the ones of a change it rolls back (a refused element's
    savepoint); an exception drops them all, with the transaction."""
    held: list[tuple[SandboxCompany, list[SandboxWebhookDelivery]]] = []
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)
    companies: dict[int, tuple[SandboxCompany, list[SandboxWebhookDelivery]]] = {}
    for company, rows in held:
        companies.setdefault(company.pk, (company, []))[1].extend(rows)
    for company, rows in companies.values():
        _stored(company, SandboxWebhookDelivery.objects.bulk_create(rows))


def _committed(batch: _Batch, company: SandboxCompany, ids: list[int]) -> None:
    batch.committed.setdefault(company.pk, (company, []))[1].extend(ids)


def _due(company: SandboxCompany | None = None):
    qs = SandboxWebhookDelivery.objects.filter(
        delivered_at__isnull=True, next_attempt_at__lte=timezone.now()
    )
    return qs.filter(company=company) if company else qs


_jobs: queue.Queue[list[int]] = queue.Queue()
IDLE_SECONDS = 5.0  # the sender lets its database connection go after this long without work
_sender_lock = threading.Lock()
_sender: threading.Thread | None = None


def deliver_in_background(ids: list[int]) -> None:
    """Hand the deliveries to the process's one sender thread (tests may post inline)."""
    global _sender
    if getattr(settings, "SANDBOX_WEBHOOKS_INLINE", False):
        deliver_many(ids)
        return
    with _sender_lock:
        if _sender is None or not _sender.is_alive():
            _sender = threading.Thread(target=_send_forever, name="sandbox-webhooks", daemon=True)
            _sender.start()
    _jobs.put(ids)


def _send_forever() -> None:
    while True:
        try:
            ids = list(_jobs.get(timeout=IDLE_SECONDS))
        except queue.Empty:
            connection.close()  # hold no database connection while idle
            ids = list(_jobs.get())
        while True:  # what other requests handed over meanwhile goes in the same posts
            try:
                ids.extend(_jobs.get_nowait())
            except queue.Empty:
                break
        try:
            deliver_many(ids)
        except Exception:  # one broken delivery must not stop the sender for the others
            logger.exception("Sandbox webhook delivery failed")


# Intuit and Xero post the events of a moment together: a QuickBooks notification is an array
# of CloudEvents, a Xero one an ``events`` array with its first and last sequence numbers
# (xero-webhooks.yaml, XeroAPI/Xero-OpenAPI). The sender posts the deliveries it has in hand for
# one app and company as one notification, at most this many events; Stripe posts one event a
# request (https://docs.stripe.com/webhooks), so its deliveries go one by one.
EVENTS_PER_POST = 100
GROUPED = (Provider.QUICKBOOKS, Provider.XERO)


def deliver_many(ids: list[int]) -> int:
    """Post the deliveries among ``ids`` whose attempt is due, grouped by app and company;
    returns how many the receivers accepted (any 2xx)."""
    close_old_connections()
    accepted = 0
    for group_ids in _groups(_due_among(ids)):
        # Claimed right before its own post: the claim's lease covers that post alone.
        group = _claim(group_ids)
        if not group:
            continue
        try:
            status = _post(group[0], _body(group))
        except Exception:  # counted as a failed attempt; the next groups still go
            logger.exception("Sandbox webhook post failed")
            status = None
        _settle(group, status)
        accepted += len(group) if status and 200 <= status < 300 else 0
    return accepted


def deliver(delivery_id: int) -> bool:
    """Post one notification; True when the receiver accepted it (any 2xx)."""
    return deliver_many([delivery_id]) == 1


def _postable(now=None):
    """Not delivered and due, or given up (posted again only when asked for by id)."""
    now = now or timezone.now()
    return SandboxWebhookDelivery.objects.filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True), delivered_at__isnull=True
    )


def _due_among(ids: list[int]) -> list[tuple[int, str, int, int]]:
    """(id, provider, app, company) of the due deliveries among ``ids``, oldest first."""
    rows = _postable().filter(pk__in=ids).order_by("pk")
    return list(rows.values_list("pk", "app__provider", "app_id", "company_id"))


def _groups(due: list[tuple[int, str, int, int]]) -> Iterator[list[int]]:
    together: dict[tuple[int, int], list[int]] = {}
    for pk, provider, app_id, company_id in due:
        if provider not in GROUPED:
            yield [pk]
            continue
        group = together.setdefault((app_id, company_id), [])
        group.append(pk)
        if len(group) == EVENTS_PER_POST:
            yield together.pop((app_id, company_id))
    yield from together.values()


def _claim(ids: list[int]) -> list[SandboxWebhookDelivery]:
    """The deliveries among ``ids`` still due and not being posted by another sender, their
    attempt counted and leased (the first retry delay, longer than a post's time-out)."""
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            _postable(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("app", "company")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        lease = now + timedelta(seconds=RETRY_DELAYS[0])
        SandboxWebhookDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
            attempts=F("attempts") + 1, next_attempt_at=lease
        )
        for delivery in claimed:
            delivery.attempts += 1
            delivery.next_attempt_at = lease
    return claimed


def _body(group: list[SandboxWebhookDelivery]) -> bytes:
    if len(group) == 1:
        return group[0].payload.encode()
    payloads = [json.loads(delivery.payload) for delivery in group]
    if group[0].app.provider == Provider.QUICKBOOKS:
        return json.dumps([event for payload in payloads for event in payload]).encode()
    return json.dumps(
        {
            "events": [event for payload in payloads for event in payload["events"]],
            "firstEventSequence": min(p["firstEventSequence"] for p in payloads),
            "lastEventSequence": max(p["lastEventSequence"] for p in payloads),
            "entropy": secrets.token_hex(10).upper(),
        }
    ).encode()


def _settle(group: list[SandboxWebhookDelivery], status: int | None) -> None:
    """The post's outcome, on the deliveries still under this claim's lease (one that outlived
    it may have been claimed and settled by another sender since)."""
    lease, now = group[0].next_attempt_at, timezone.now()
    outcomes: dict[tuple, list[int]] = {}
    for delivery in group:
        if status and 200 <= status < 300:
            outcome = (status, now, None)
        elif delivery.attempts >= len(RETRY_DELAYS):
            outcome = (status, None, None)  # given up, like Intuit after its last retry
        else:
            retry_at = now + timedelta(seconds=RETRY_DELAYS[delivery.attempts - 1])
            outcome = (status, None, retry_at)
        outcomes.setdefault(outcome, []).append(delivery.pk)
    for (status, delivered_at, next_attempt_at), ids in outcomes.items():
        SandboxWebhookDelivery.objects.filter(
            pk__in=ids, next_attempt_at=lease, delivered_at__isnull=True
        ).update(last_status=status, delivered_at=delivered_at, next_attempt_at=next_attempt_at)


def _post(delivery: SandboxWebhookDelivery, body: bytes) -> int | None:
    if delivery.app.provider == Provider.STRIPE:
        from .stripe.events import signature_header

        # Stripe signs each attempt with the time it is sent (docs/sandbox-stripe.md).
        signature = ("Stripe-Signature", signature_header(delivery.app.webhook_key, body))
    elif delivery.app.provider == Provider.QUICKBOOKS:
        signature = ("intuit-signature", sign(delivery.app.webhook_key, body))
    else:
        signature = ("x-xero-signature", sign(delivery.app.webhook_key, body))
    headers = {"Content-Type": "application/json", signature[0]: signature[1]}
    try:
        response = requests.post(
            delivery.app.webhook_url, data=body, headers=headers, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as exc:
        logger.info("Sandbox webhook to %s failed: %s", delivery.app.webhook_url, exc)
        return None
    return response.status_code


def redeliver_due(*, now_override=None) -> int:
    """Retry every delivery whose next attempt is due; returns how many were accepted."""
    qs = SandboxWebhookDelivery.objects.filter(delivered_at__isnull=True)
    qs = qs.filter(next_attempt_at__lte=now_override or timezone.now())
    if now_override is not None:
        # Tests travel in time: make the chosen ones due now.
        qs.update(next_attempt_at=timezone.now())
    return deliver_many(list(qs.values_list("pk", flat=True)))
