"""QuickBooks Online answers → the engine's neutral records. Pure functions.

Reading an answer that lacks what we need raises ``TransientError`` (a malformed answer is
retried and logged, never a crash). A US invoice reads back with the prices QBO holds, in which
discounts and tax are folded (see ``mapping``).
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from apps.common.money import ZERO, percent_for
from apps.integrations.amounts import ROUNDING_DESCRIPTION, tax_exclusive
from apps.integrations.contract import (
    RemoteChange,
    RemoteCreditNote,
    RemoteCustomer,
    RemoteDocument,
    RemoteLine,
    RemotePayment,
    RemoteRefund,
    SyncError,
    TransientError,
)
from apps.integrations.wire import answered_decimal, required_text

from .mapping import ENTITY, KIND, version_of

# In the US a line is taxed unless its code is NON; elsewhere the adapter names the company's
# zero-rated codes (read from their rates, never from their names).
US_ZERO_RATED = frozenset({"NON"})


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


def _line_from_qbo(line: Mapping, zero_rated: Collection[str]) -> RemoteLine:
    """A sales line with every decimal QuickBooks keeps (7 on quantity and unit price)."""
    detail = line.get("SalesItemLineDetail") or {}
    amount = _decimal(line.get("Amount"), "a line amount", ZERO)
    quantity = _decimal(detail.get("Qty"), "a line quantity", Decimal("1"))
    fallback_price = amount / quantity if quantity else amount
    code = _text(detail, "TaxCodeRef", "value")
    return RemoteLine(
        description=_text(line, "Description") or _text(detail, "ItemRef", "name"),
        quantity=quantity,
        unit_price=_decimal(detail.get("UnitPrice"), "a unit price", fallback_price),
        item_name=_text(detail, "ItemRef", "name"),
        taxable=code not in ("", *zero_rated),
        tax_code=code,
        amount=amount,
        line_id=_text(line, "Id"),
    )


def _discount(raw_lines: list, lines_total: Decimal) -> tuple[Decimal, Decimal | None]:
    """The document discount as a percentage, and its amount when it was given as one. A fixed
    amount reads as the percentage with the fewest decimals that gives that amount on the same
    base as QuickBooks applies it to, the sum of the sales lines (docs/money.md), so 10 % sent
    as 12.34 reads back as 10 %; the amount is kept so that its percentage moving when lines
    change is not taken for an edit (docs/round-trips.md)."""
    percent, fixed = ZERO, None
    for line in raw_lines:
        if line.get("DetailType") != "DiscountLineDetail":
            continue
        detail = line.get("DiscountLineDetail") or {}
        if detail.get("PercentBased"):
            percent = _decimal(detail.get("DiscountPercent"), "a discount", ZERO)
        elif lines_total:
            fixed = _decimal(line.get("Amount"), "a discount amount", ZERO)
            percent = percent_for(fixed, lines_total)
    return percent, fixed


def _tax_rate(data: Mapping) -> Decimal:
    """The sum of the distinct non-zero rates QuickBooks taxed the document at (a code such
    as GST + PST has one TaxLine per rate; an exempt code's 0 % line adds nothing)."""
    rates: dict[str, Decimal] = {}
    for line in (data.get("TxnTaxDetail") or {}).get("TaxLine") or []:
        detail = line.get("TaxLineDetail") or {}
        percent = _decimal(detail.get("TaxPercent"), "a tax rate", ZERO)
        if percent:
            rates[_text(detail, "TaxRateRef", "value") or str(percent)] = percent
    return sum(rates.values(), ZERO)


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


def document_from_qbo(
    data: Mapping, kind: str, *, zero_rated: Collection[str] = US_ZERO_RATED
) -> RemoteDocument:
    """``zero_rated``: the company's tax codes whose lines are not taxed. Rounding lines are
    left out of ``lines`` (their amounts are in ``net_total`` and ``total``)."""
    entity = ENTITY[kind]
    raw_lines = data.get("Line")
    if not isinstance(raw_lines, list):
        raise TransientError(f"QuickBooks answered a {entity} without Line.")
    tax_rate = _tax_rate(data)
    sales = [
        _line_from_qbo(line, zero_rated)
        for line in raw_lines
        if line.get("DetailType") == "SalesItemLineDetail"
    ]
    if data.get("GlobalTaxCalculation") == "TaxInclusive":
        # Tax-inclusive prices, the usual way in Australia and the UK: QuickBooks takes the tax
        # out of the lines of each rate together (TaxLineDetail.NetAmountTaxable).
        # https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-sales-tax-for-non-us-locales
        sales = tax_exclusive(sales, tax_rate)
    lines_total = sum((ln.amount or ZERO for ln in sales), ZERO)
    discount_percent, discount_amount = _discount(raw_lines, lines_total)
    tax_total = _decimal((data.get("TxnTaxDetail") or {}).get("TotalTax"), "a total tax", ZERO)
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
        lines=[ln for ln in sales if ln.description != ROUNDING_DESCRIPTION],
        due_date=_date(data[end_field], end_field) if data.get(end_field) else None,
        billing_email=_text(data, "BillEmail", "Address"),
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        tax_rate=tax_rate,
        total=total,
        amount_paid=total - balance if kind == "invoice" else ZERO,
        net_total=total - tax_total,
        tax_total=tax_total,
    )


def exchanged_document(
    data: Mapping, entity: str, *, zero_rated: Collection[str] = US_ZERO_RATED
) -> RemoteDocument | None:
    """An Invoice or Estimate the company answered a write with, read as a pull would read it,
    with the same ``zero_rated`` codes (None for other entities, or an answer too thin to
    read): what was last exchanged."""
    kind = KIND.get(entity)
    if kind not in ("invoice", "quote"):
        return None
    try:
        return document_from_qbo(data, kind, zero_rated=zero_rated)
    except SyncError:
        return None


def linked_amounts(data: Mapping, txn_type: str) -> list[tuple[str, Decimal]]:
    """(linked id, line amount) of a Payment's lines linked to ``txn_type``."""
    found = []
    for line in data.get("Line") or []:
        for linked in line.get("LinkedTxn") or []:
            if linked.get("TxnType") == txn_type:
                amount = _decimal(line.get("Amount"), "a payment line amount", ZERO)
                found.append((str(linked.get("TxnId")), amount))
    return found


def _paid_with_money(data: Mapping) -> list[tuple[str, Decimal]]:
    """What a payment paid on each invoice with money: the amounts applied to invoices less the
    credit memos' credit it used (docs/credit-notes.md), taken off the invoices in turn. A
    payment that only applies a credit memo pays nothing with money."""
    credit = sum((amount for _, amount in linked_amounts(data, "CreditMemo")), ZERO)
    applied = []
    for invoice_id, amount in linked_amounts(data, "Invoice"):
        taken = min(amount, credit)
        credit -= taken
        if amount - taken:
            applied.append((invoice_id, amount - taken))
    return applied


def payment_from_qbo(data: Mapping) -> RemotePayment:
    applied = _paid_with_money(data)
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


def change_from_qbo(
    entity: str, data: Mapping, *, zero_rated: Collection[str] = US_ZERO_RATED
) -> RemoteChange:
    """One record of a CDC or query answer; ``status: Deleted`` marks a deleted one."""
    kind = KIND[entity]
    remote_id = _required(data, "Id", entity)
    if data.get("status") == "Deleted":
        return RemoteChange(kind=kind, remote_id=remote_id, deleted=True)
    if kind == "customer":
        record: Any = customer_from_qbo(data)
    elif kind == "payment":
        record = payment_from_qbo(data)
    elif kind == "credit_note":
        record = credit_note_from_qbo(data, [], zero_rated=zero_rated)
    elif kind == "refund":
        record = refund_from_qbo(data)
    else:
        record = document_from_qbo(data, kind, zero_rated=zero_rated)
    return RemoteChange(kind=kind, remote_id=remote_id, record=record)


def credit_note_from_qbo(
    data: Mapping,
    applied_to: list[tuple[str, Decimal]],
    *,
    zero_rated: Collection[str] = US_ZERO_RATED,
) -> RemoteCreditNote:
    """A CreditMemo read like an invoice; ``applied_to`` (invoice id, amount) comes from the
    payments that used its credit, which the memo only names (its LinkedTxn)."""
    document = document_from_qbo(data, "credit_note", zero_rated=zero_rated)
    total = document.total
    voided = "Voided" in _text(data, "PrivateNote") and total == ZERO
    return RemoteCreditNote(
        remote_id=document.remote_id,
        remote_version=document.remote_version,
        customer_remote_id=document.customer_remote_id,
        number=document.number,
        issue_date=document.issue_date,
        status="void" if voided else "issued",
        currency=document.currency,
        lines=document.lines,
        applied_to=applied_to,
        discount_percent=document.discount_percent,
        tax_rate=document.tax_rate,
        total=total,
        remaining_credit=_decimal(data.get("RemainingCredit"), "a remaining credit", total),
        reason=_text(data, "PrivateNote")[:200],
        net_total=document.net_total,
        tax_total=document.tax_total,
    )


def refund_from_qbo(data: Mapping) -> RemoteRefund:
    """A RefundReceipt. QuickBooks ties it to no payment nor credit memo, so one made there is
    left out of the hub (docs/credit-notes.md); the hub's own are known by their link."""
    return RemoteRefund(
        remote_id=_required(data, "Id", "RefundReceipt"),
        remote_version=version_of(data, "RefundReceipt"),
        customer_remote_id=_text(data, "CustomerRef", "value"),
        date=_date(_required(data, "TxnDate", "RefundReceipt"), "a TxnDate"),
        amount=_decimal(data.get("TotalAmt"), "a refund total", ZERO),
        reference=_text(data, "PaymentRefNum"),
        voided="Voided" in _text(data, "PrivateNote"),
    )
