"""QuickBooks Online answers → the engine's neutral records. Pure functions.

Reading an answer that lacks what we need raises ``TransientError`` (a malformed answer is
retried and logged, never a crash). A US invoice reads back with the prices QBO holds, in which
discounts and tax are folded (see ``mapping``).
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from apps.common.money import HUNDRED, ZERO, round_money
from apps.integrations.wire import answered_decimal, required_text
from apps.sync.adapters import (
    RemoteChange,
    RemoteCustomer,
    RemoteDocument,
    RemoteLine,
    RemotePayment,
)
from apps.sync.errors import SyncError, TransientError

from .mapping import ENTITY, KIND, version_of


def _text(data: Mapping, *path: str) -> str:
    value: Any = data
    for key in path:
        if not isinstance(value, Mapping):
            return ""
        value = value.get(key)
    return "" if value is None else str(value)


def _required(data: Any, key: str, entity: str) -> str:
    return required_text(data, key, answered=f"QuickBooks answered a {entity}")


def _decimal(value: Any, what: str, default: Decimal | None = None) -> Decimal:
    return answered_decimal(value, answered=f"QuickBooks answered {what}", default=default)


def _date(value: Any, what: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise TransientError(
            f"QuickBooks answered {what} {value!r}, which is not a date."
        ) from None


def customer_from_qbo(data: Mapping) -> RemoteCustomer:
    address = data.get("BillAddr") or {}
    return RemoteCustomer(
        remote_id=_required(data, "Id", "Customer"),
        remote_version=version_of(data, "Customer"),
        display_name=_required(data, "DisplayName", "Customer"),
        given_name=_text(data, "GivenName"),
        family_name=_text(data, "FamilyName"),
        company_name=_text(data, "CompanyName"),
        email=_text(data, "PrimaryEmailAddr", "Address"),
        phone=_text(data, "PrimaryPhone", "FreeFormNumber"),
        billing_line1=_text(address, "Line1"),
        billing_line2=_text(address, "Line2"),
        billing_city=_text(address, "City"),
        billing_region=_text(address, "CountrySubDivisionCode"),
        billing_postal_code=_text(address, "PostalCode"),
        billing_country=_text(address, "Country")[:2].upper(),
        active=data.get("Active", True) is not False,
    )


def _line_from_qbo(line: Mapping) -> RemoteLine:
    detail = line.get("SalesItemLineDetail") or {}
    amount = _decimal(line.get("Amount"), "a line amount", ZERO)
    quantity = _decimal(detail.get("Qty"), "a line quantity", Decimal("1"))
    fallback_price = amount / quantity if quantity else amount
    return RemoteLine(
        description=_text(line, "Description") or _text(detail, "ItemRef", "name"),
        quantity=quantity,
        unit_price=_decimal(detail.get("UnitPrice"), "a unit price", fallback_price),
        item_name=_text(detail, "ItemRef", "name"),
        taxable=_text(detail, "TaxCodeRef", "value") not in ("", "NON"),
        line_id=_text(line, "Id"),
    )


def _document_status(data: Mapping, kind: str, total: Decimal, balance: Decimal) -> str:
    if kind == "quote":
        status = _text(data, "TxnStatus")
        if status == "Accepted":
            return "accepted"
        if status == "Rejected":
            return "declined"
        if status == "Closed":
            converted = any(t.get("TxnType") == "Invoice" for t in data.get("LinkedTxn") or [])
            return "accepted" if converted else "cancelled"
        return "sent"
    if "Voided" in _text(data, "PrivateNote") and total == ZERO:
        return "cancelled"
    if total > ZERO and balance <= ZERO:
        return "paid"
    if ZERO < balance < total:
        return "partially_paid"
    return "sent"


def document_from_qbo(data: Mapping, kind: str) -> RemoteDocument:
    entity = ENTITY[kind]
    raw_lines = data.get("Line")
    if not isinstance(raw_lines, list):
        raise TransientError(f"QuickBooks answered a {entity} without Line.")
    lines = [
        _line_from_qbo(line)
        for line in raw_lines
        if line.get("DetailType") == "SalesItemLineDetail"
    ]
    subtotal = sum((round_money(ln.quantity * ln.unit_price) for ln in lines), ZERO)
    discount_percent, discount_amount = ZERO, None
    for line in raw_lines:
        if line.get("DetailType") == "DiscountLineDetail":
            detail = line.get("DiscountLineDetail") or {}
            if detail.get("PercentBased"):
                discount_percent = _decimal(detail.get("DiscountPercent"), "a discount", ZERO)
            elif subtotal:
                discount_amount = _decimal(line.get("Amount"), "a discount amount", ZERO)
                discount_percent = round_money(discount_amount * HUNDRED / subtotal)
    tax_lines = (data.get("TxnTaxDetail") or {}).get("TaxLine") or []
    tax_rate = ZERO
    if tax_lines:
        tax_rate = _decimal(_text(tax_lines[0], "TaxLineDetail", "TaxPercent"), "a tax rate", ZERO)
    total = _decimal(data.get("TotalAmt"), "a total", ZERO)
    balance = _decimal(data.get("Balance"), "a balance", total)
    end_field = "ExpirationDate" if kind == "quote" else "DueDate"
    return RemoteDocument(
        kind=kind,
        remote_id=_required(data, "Id", entity),
        remote_version=version_of(data, entity),
        customer_remote_id=_required(data.get("CustomerRef"), "value", f"{entity} CustomerRef"),
        number=_text(data, "DocNumber"),
        issue_date=_date(_required(data, "TxnDate", entity), "a TxnDate"),
        status=_document_status(data, kind, total, balance),
        currency=_text(data, "CurrencyRef", "value"),
        lines=lines,
        due_date=_date(data[end_field], end_field) if data.get(end_field) else None,
        billing_email=_text(data, "BillEmail", "Address"),
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        tax_rate=tax_rate,
        total=total,
        amount_paid=total - balance if kind == "invoice" else ZERO,
    )


def exchanged_document(data: Mapping, entity: str) -> RemoteDocument | None:
    """An Invoice or Estimate the company answered a write with, read as a pull would read it
    (None for other entities, or an answer too thin to read): what was last exchanged."""
    kind = KIND.get(entity)
    if kind not in ("invoice", "quote"):
        return None
    try:
        return document_from_qbo(data, kind)
    except SyncError:
        return None


def payment_from_qbo(data: Mapping) -> RemotePayment:
    applied = []
    for line in data.get("Line") or []:
        for linked in line.get("LinkedTxn") or []:
            if linked.get("TxnType") == "Invoice":
                amount = _decimal(line.get("Amount"), "a payment line amount", ZERO)
                applied.append((str(linked.get("TxnId")), amount))
    return RemotePayment(
        remote_id=_required(data, "Id", "Payment"),
        remote_version=version_of(data, "Payment"),
        customer_remote_id=_required(data.get("CustomerRef"), "value", "Payment CustomerRef"),
        date=_date(_required(data, "TxnDate", "Payment"), "a TxnDate"),
        amount=_decimal(data.get("TotalAmt"), "a payment total"),
        applied_to=applied,
        reference=_text(data, "PaymentRefNum"),
        voided="Voided" in _text(data, "PrivateNote"),
    )


def cdc_cut_off(found: Mapping[str, list], cap: int) -> list[str]:
    """The entities of a change data capture answer that may lack records beyond ``cap``.

    Intuit documents the cap per response; whether it counts per entity is not said. As many
    objects as the cap in all may be cut anywhere; more than that in all means each entity
    was counted alone, and only one that reached the cap was cut."""
    total = sum(len(rows) for rows in found.values())
    if total > cap:
        return [entity for entity, rows in found.items() if len(rows) >= cap]
    return list(found) if total == cap else []


def change_from_qbo(entity: str, data: Mapping) -> RemoteChange:
    """One record of a CDC or query answer; ``status: Deleted`` marks a deleted one."""
    kind = KIND[entity]
    remote_id = _required(data, "Id", entity)
    if data.get("status") == "Deleted":
        return RemoteChange(kind=kind, remote_id=remote_id, deleted=True)
    if kind == "customer":
        record: Any = customer_from_qbo(data)
    elif kind == "payment":
        record = payment_from_qbo(data)
    else:
        record = document_from_qbo(data, kind)
    return RemoteChange(kind=kind, remote_id=remote_id, record=record)
