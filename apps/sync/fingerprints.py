"""Fingerprints: what a hub record says, independent of any provider
(docs/sync-rules.md, "No echoes").

A record is pushed to an integration only when its fingerprint differs from the one stored on its
link there, and a record pulled from an integration gets that link's fingerprint set from the hub
record it became. So nothing is sent back where it came from, and a later change made in the hub
(which changes the fingerprint) still goes everywhere.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db import models

from apps.customers.services import EDITABLE_FIELDS

from .items import ITEM_FIELDS
from .models import Kind
from .timesheets import ENTRY_FIELDS


def plain(value: Any) -> Any:
    """JSON-able and canonical: Decimals and dates as strings, so 1.5 and 1.50 agree."""
    if isinstance(value, Decimal):
        return str(value.normalize()) if value != 0 else "0"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# What a customer is to an integration: everything staff can edit except internal notes.
CUSTOMER_FIELDS = tuple(name for name in EDITABLE_FIELDS if name != "notes")
DOCUMENT_FIELDS = (
    "number",
    "status",
    "issue_date",
    "customer_id",
    "billing_email",
    "currency",
    "discount_percent",
    "tax_rate",
    "subtotal",
    "discount_total",
    "tax_total",
    "total",
)
LINE_FIELDS = (
    "service_item_id",
    "description",
    "quantity",
    "unit_price",
    "discount_percent",
    "taxable",
    "amount",
)
PAYMENT_FIELDS = ("invoice_id", "customer_id", "amount", "date", "method", "reference", "voided")
CREDIT_NOTE_FIELDS = (*DOCUMENT_FIELDS, "invoice_id", "amount_allocated", "reason")
REFUND_FIELDS = (*PAYMENT_FIELDS[1:], "payment_id", "credit_note_id", "invoice_id")


def canonical(kind: str, record: models.Model) -> dict[str, Any]:
    """The sync-relevant content of ``record`` as a plain dict."""
    if kind == Kind.CUSTOMER:
        return {name: plain(getattr(record, name)) for name in CUSTOMER_FIELDS}
    if kind in (Kind.INVOICE, Kind.QUOTE):
        data = {name: plain(getattr(record, name)) for name in DOCUMENT_FIELDS}
        if kind == Kind.INVOICE:
            data["due_date"] = plain(record.due_date)
            data["amount_paid"] = plain(record.amount_paid)
        else:
            data["expiry_date"] = plain(record.expiry_date)
        data["lines"] = [
            {name: plain(getattr(line, name)) for name in LINE_FIELDS}
            for line in record.lines.all()
        ]
        return data
    if kind == Kind.PAYMENT:
        return {name: plain(getattr(record, name)) for name in PAYMENT_FIELDS}
    if kind == Kind.CREDIT_NOTE:
        data = {name: plain(getattr(record, name)) for name in CREDIT_NOTE_FIELDS}
        data["lines"] = [
            {name: plain(getattr(line, name)) for name in LINE_FIELDS}
            for line in record.lines.all()
        ]
        return data
    if kind == Kind.REFUND:
        return {name: plain(getattr(record, name)) for name in REFUND_FIELDS}
    if kind in (Kind.ITEM, Kind.TIME_ENTRY):
        names = ITEM_FIELDS if kind == Kind.ITEM else ENTRY_FIELDS
        return {name: plain(getattr(record, name)) for name in names}
    raise ValueError(f"No fingerprint for kind {kind!r}")


def fingerprint(kind: str, record: models.Model) -> str:
    text = json.dumps(canonical(kind, record), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
