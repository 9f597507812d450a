"""The console's changes to QBO records ("a change made in QuickBooks"), made through the same
operations as the API so SyncTokens bump and webhooks fire."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import ops
from .records import dec, money
from .schema import ENTITIES

CUSTOMER_FIELDS = ("DisplayName", "GivenName", "FamilyName", "CompanyName")


def _current(record: SandboxRecord) -> dict[str, Any]:
    return {"Id": record.record_id, "SyncToken": str(record.version), "sparse": True}


def customer_edit(*, company: SandboxCompany, record: SandboxRecord, form: dict[str, str]):
    body = _current(record)
    for field in CUSTOMER_FIELDS:
        body[field] = form.get(field, "").strip()
    body["PrimaryEmailAddr"] = {"Address": form.get("email", "").strip()}
    body["PrimaryPhone"] = {"FreeFormNumber": form.get("phone", "").strip()}
    # A sparse update ignores "", so clearing a name needs the value itself to be sent blank.
    body = {key: value for key, value in body.items() if value != ""}
    return ops.update(company, ENTITIES["Customer"], body, sparse=True)


def invoice_edit(*, company: SandboxCompany, record: SandboxRecord, form: dict[str, str]):
    """Change the due date, the memo and each sales line's description, quantity and price."""
    lines = []
    for index, line in enumerate(record.data.get("Line") or []):
        if line.get("DetailType") == "SubTotalLineDetail":
            continue
        line = {**line, "SalesItemLineDetail": dict(line.get("SalesItemLineDetail") or {})}
        if line["DetailType"] == "SalesItemLineDetail":
            qty = dec(form.get(f"line-{index}-qty") or line["SalesItemLineDetail"].get("Qty") or 1)
            price = dec(
                form.get(f"line-{index}-price") or line["SalesItemLineDetail"].get("UnitPrice") or 0
            )
            line["SalesItemLineDetail"].update({"Qty": float(qty), "UnitPrice": float(price)})
            line["Amount"] = money(qty * price)
            line["Description"] = form.get(f"line-{index}-description", line.get("Description", ""))
        else:
            line.pop("SalesItemLineDetail")
        lines.append(line)
    body = {**_current(record), "Line": lines}
    if form.get("DueDate"):
        body["DueDate"] = form["DueDate"]
    if "CustomerMemo" in form:
        body["CustomerMemo"] = {"value": form["CustomerMemo"]}
    return ops.update(company, ENTITIES["Invoice"], body, sparse=True)


def invoice_pay(*, company: SandboxCompany, record: SandboxRecord, amount: Decimal, method_id: str):
    body: dict[str, Any] = {
        "CustomerRef": record.data["CustomerRef"],
        "TotalAmt": money(amount),
        "Line": [
            {
                "Amount": money(amount),
                "LinkedTxn": [{"TxnId": record.record_id, "TxnType": "Invoice"}],
            }
        ],
    }
    if method_id:
        body["PaymentMethodRef"] = {"value": method_id}
    return ops.create(company, ENTITIES["Payment"], body)


def invoice_void(*, company: SandboxCompany, record: SandboxRecord):
    return ops.void(company, ENTITIES["Invoice"], _current(record))
