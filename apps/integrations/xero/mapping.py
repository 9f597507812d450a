"""Hub records ↔ Xero Accounting API JSON. Pure functions: no HTTP, no database writes.

Xero prices lines itself: each line is Quantity × UnitAmount less its ``DiscountRate``, rounded
to the cent (``LineAmountTypes: Exclusive``). Xero has no document discount, so the hub's
document discount is folded into every line's DiscountRate; each line's ``TaxAmount`` is set to
its share of the hub's tax. Whatever Xero's per-line arithmetic leaves between its lines and the
hub's discounted subtotal goes on a "Rounding" line, so Xero's SubTotal, TotalTax and Total are
the hub's (docs/money.md).
https://developer.xero.com/documentation/api/accounting/invoices
https://developer.xero.com/documentation/guides/how-to-guides/rounding-in-xero (per-line tax,
2-decimal unit amounts unless unitdp=4)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from apps.common.money import HUNDRED, ZERO, line_amount, round_money, round_places
from apps.integrations.amounts import ROUNDING_DESCRIPTION, line_shares, tax_exclusive
from apps.integrations.contract import (
    PermanentError,
    RemoteChange,
    RemoteCreditNote,
    RemoteCustomer,
    RemoteDocument,
    RemoteLine,
    RemotePayment,
    RemoteRefund,
    TransientError,
)
from apps.integrations.wire import answered_decimal, required_text

NAME_MAX = 255
# Xero keeps 4 decimals on quantities and, asked with ``unitdp=4``, on unit amounts.
# https://developer.xero.com/documentation/guides/how-to-guides/rounding-in-xero
UNIT_PLACES = 4
# Quotes take no ``unitdp``: Xero keeps their unit amounts to 2 decimals.
# https://developer.xero.com/documentation/api/accounting/quotes
QUOTE_UNIT_PLACES = 2
DISCOUNT_PLACES = 2
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Hub kind → (collection, id field) in Xero.
COLLECTION = {
    "customer": ("Contacts", "ContactID"),
    "invoice": ("Invoices", "InvoiceID"),
    "quote": ("Quotes", "QuoteID"),
    "payment": ("Payments", "PaymentID"),
    "credit_note": ("CreditNotes", "CreditNoteID"),
    # A refund is a Payment of a credit note (docs/credit-notes.md, "Xero").
    "refund": ("Payments", "PaymentID"),
}
# Xero's credit note statuses in the hub's words (CreditNote.Status): drafts stay out of the
# hub, a used-up credit note is still an issued one.
HUB_CREDIT_NOTE_STATUS = {
    "DRAFT": "draft",
    "SUBMITTED": "draft",
    "AUTHORISED": "issued",
    "PAID": "issued",
    "VOIDED": "void",
    "DELETED": "void",
}
# The Reference of a credit note the hub makes to pay back part of a payment (a Xero refund
# is a payment of a credit note): it names the payment, so that the refund reads back as the
# payment's. https://developer.xero.com/documentation/api/accounting/payments
PAYMENT_REFUND_REFERENCE = "Refund of payment "
QUOTE_STATUS = {
    "draft": "DRAFT",
    "sent": "SENT",
    "accepted": "ACCEPTED",
    "declined": "DECLINED",
    "cancelled": "DELETED",
}
HUB_QUOTE_STATUS = {
    "DRAFT": "draft",
    "SENT": "sent",
    "ACCEPTED": "accepted",
    "INVOICED": "accepted",
    "DECLINED": "declined",
    "DELETED": "cancelled",
}


GUID_LENGTH = 36


@dataclass(frozen=True)
class TaxTypes:
    """The tenant's TaxType for taxable lines (at the document's rate) and for exempt ones."""

    taxable: str = "OUTPUT"
    taxable_rate: Decimal = ZERO
    exempt: str = "NONE"


# --- Xero's formats --------------------------------------------------------------------


def parse_timestamp(value: Any, what: str = "a date") -> datetime:
    """``/Date(1552262400000+0000)/`` (Xero's JSON dates) or ISO 8601, as an aware datetime."""
    text = str(value or "").strip()
    found = _MS_DATE.match(text)
    if found:
        return EPOCH + timedelta(milliseconds=int(found[1]))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise TransientError(f"Xero answered {what} {value!r}, which is not a date.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_day(value: Any, what: str) -> date:
    return parse_timestamp(value, what).date()


def _decimal(value: Any, what: str, default: Decimal | None = None) -> Decimal:
    return answered_decimal(value, answered=f"Xero answered {what}", default=default)


def required(data: Any, key: str, what: str) -> str:
    return required_text(data, key, answered=f"Xero answered {what}")


def version_of(data: Mapping, what: str) -> str:
    return required(data, "UpdatedDateUTC", what)


def validation_messages(element: Mapping) -> str:
    """The messages of one refused element (``ValidationErrors`` of a 400 or of
    ``summarizeErrors=false``)."""
    messages = [str(e.get("Message", "")) for e in element.get("ValidationErrors") or []]
    return "; ".join(m for m in messages if m) or "Xero refused it without saying why."


# --- reading answers -------------------------------------------------------------------


def contact_from_xero(data: Mapping) -> RemoteCustomer:
    phones = [p for p in data.get("Phones") or [] if p.get("PhoneNumber")]
    addresses = data.get("Addresses") or []
    address = next((a for a in addresses if a.get("AddressType") == "POBOX"), None) or (
        addresses[0] if addresses else {}
    )
    phone = ""
    if phones:
        first = phones[0]
        phone = " ".join(
            str(first.get(k) or "") for k in ("PhoneCountryCode", "PhoneAreaCode", "PhoneNumber")
        ).strip()
    return RemoteCustomer(
        remote_id=required(data, "ContactID", "a contact"),
        remote_version=version_of(data, "a contact"),
        display_name=required(data, "Name", "a contact"),
        given_name=str(data.get("FirstName") or ""),
        family_name=str(data.get("LastName") or ""),
        email=str(data.get("EmailAddress") or ""),
        phone=phone,
        billing_line1=str(address.get("AddressLine1") or ""),
        billing_line2=str(address.get("AddressLine2") or ""),
        billing_city=str(address.get("City") or ""),
        billing_region=str(address.get("Region") or ""),
        billing_postal_code=str(address.get("PostalCode") or ""),
        billing_country=str(address.get("Country") or "")[:2].upper(),
        active=data.get("ContactStatus", "ACTIVE") == "ACTIVE",
    )


def _line_from_xero(line: Mapping, tax_rates: Mapping[str, Decimal]) -> RemoteLine:
    tax_type = str(line.get("TaxType") or "")
    tax = _decimal(line.get("TaxAmount"), "a tax amount", ZERO)
    known = tax_rates.get(tax_type)
    return RemoteLine(
        description=str(line.get("Description") or ""),
        quantity=_decimal(line.get("Quantity"), "a quantity", Decimal("1")),
        unit_price=_decimal(line.get("UnitAmount"), "a unit amount", ZERO),
        item_name=str((line.get("Item") or {}).get("Name") or line.get("ItemCode") or ""),
        discount_percent=_decimal(line.get("DiscountRate"), "a discount rate", ZERO),
        # Taxed when its TaxType has a rate (a line whose tax share is 0.00 is still taxable).
        taxable=bool(known) if known is not None else tax != ZERO,
        tax_code=tax_type,
        amount=_decimal(line.get("LineAmount"), "a line amount", ZERO),
        line_id=str(line.get("LineItemID") or ""),
    )


def _tax_rate_of(
    lines: list[RemoteLine],
    tax: Decimal,
    tax_rates: Mapping[str, Decimal],
    *,
    inclusive: bool = False,
):
    """The rate of the taxable lines' TaxType when the tenant's rates are known; otherwise
    worked back from the tax (close, not exact, on small amounts; an inclusive line's amount
    holds its tax)."""
    known = {tax_rates.get(ln.tax_code) for ln in lines if ln.taxable}
    if len(known) == 1 and None not in known:
        return known.pop()
    taxable_base = sum((ln.amount or ZERO for ln in lines if ln.taxable), ZERO)
    if inclusive:
        taxable_base -= tax
    return round_money(tax * HUNDRED / taxable_base) if taxable_base else ZERO


def _invoice_status(data: Mapping, total: Decimal, paid: Decimal) -> str:
    status = data.get("Status")
    if status in ("VOIDED", "DELETED"):
        return "cancelled"
    if status == "PAID" or (total > ZERO and paid >= total):
        return "paid"
    if paid > ZERO:
        return "partially_paid"
    if status == "DRAFT":
        return "draft"
    return "sent"


@dataclass(frozen=True)
class _Sums:
    total: Decimal
    sub_total: Decimal
    tax: Decimal
    tax_rate: Decimal


def _priced(
    data: Mapping, what: str, tax_rates: Mapping[str, Decimal] | None
) -> tuple[list[RemoteLine], _Sums]:
    """A document's lines as the hub holds them (before tax, Rounding line left out) and its
    totals and tax rate."""
    lines_raw = data.get("LineItems")
    if not isinstance(lines_raw, list):
        raise TransientError(f"Xero answered {what} without LineItems.")
    lines = [_line_from_xero(line, tax_rates or {}) for line in lines_raw]
    total = _decimal(data.get("Total"), "a total", ZERO)
    sub_total = _decimal(data.get("SubTotal"), "a subtotal", ZERO)
    tax = _decimal(data.get("TotalTax"), "a total tax", ZERO)
    kept = [ln for ln in lines if ln.description != ROUNDING_DESCRIPTION]
    inclusive = data.get("LineAmountTypes") == "Inclusive"
    tax_rate = _tax_rate_of(kept, tax, tax_rates or {}, inclusive=inclusive)
    if inclusive:
        # Line amounts that hold their tax, read as the hub holds lines (before tax).
        # https://developer.xero.com/documentation/api/accounting/invoices (LineAmountTypes)
        kept = tax_exclusive(kept, tax_rate)
    return kept, _Sums(total, sub_total, tax, tax_rate)


def credit_note_from_xero(
    data: Mapping, *, tax_rates: Mapping[str, Decimal] | None = None
) -> RemoteCreditNote:
    """An ACCRECCREDIT credit note; its Allocations say which invoices it went to."""
    what = "a credit note"
    lines, sums = _priced(data, what, tax_rates)
    applied = [
        (
            str((allocation.get("Invoice") or {}).get("InvoiceID") or ""),
            _decimal(allocation.get("Amount"), "an allocation amount"),
        )
        for allocation in data.get("Allocations") or []
    ]
    return RemoteCreditNote(
        remote_id=required(data, "CreditNoteID", what),
        remote_version=version_of(data, what),
        customer_remote_id=required(data.get("Contact"), "ContactID", f"{what} contact"),
        number=str(data.get("CreditNoteNumber") or ""),
        issue_date=parse_day(required(data, "Date", what), "a Date"),
        status=HUB_CREDIT_NOTE_STATUS.get(str(data.get("Status")), "draft"),
        currency=str(data.get("CurrencyCode") or ""),
        lines=lines,
        applied_to=[(invoice_id, amount) for invoice_id, amount in applied if invoice_id],
        tax_rate=sums.tax_rate,
        total=sums.total,
        remaining_credit=_decimal(data.get("RemainingCredit"), "a remaining credit", ZERO),
        reason=str(data.get("Reference") or ""),
        net_total=sums.sub_total,
        tax_total=sums.tax,
    )


def refunded_payment_id(credit_note: Mapping) -> str:
    """The PaymentID a credit note made to pay back part of a payment names, else ""."""
    reference = str(credit_note.get("Reference") or "")
    if reference.startswith(PAYMENT_REFUND_REFERENCE):
        return reference[len(PAYMENT_REFUND_REFERENCE) :].strip()
    return ""


def is_refund_carrier(credit_note: Mapping) -> bool:
    """Whether the hub made this credit note to pay back part of a payment."""
    return str(credit_note.get("Reference") or "").startswith(PAYMENT_REFUND_REFERENCE)


def refund_from_xero(data: Mapping) -> RemoteRefund:
    """A Payment of a credit note: money paid back. One of a credit note the hub made for a
    payment's refund names that payment as well."""
    note = data.get("CreditNote") or {}
    return RemoteRefund(
        remote_id=required(data, "PaymentID", "a refund"),
        remote_version=version_of(data, "a refund"),
        customer_remote_id=str((note.get("Contact") or {}).get("ContactID") or ""),
        date=parse_day(required(data, "Date", "a refund"), "a refund Date"),
        amount=_decimal(data.get("Amount"), "a refund amount"),
        credit_note_remote_id=str(note.get("CreditNoteID") or ""),
        payment_remote_id=refunded_payment_id(note),
        reference=str(data.get("Reference") or ""),
        voided=data.get("Status") == "DELETED",
    )


def document_from_xero(
    data: Mapping, kind: str, *, tax_rates: Mapping[str, Decimal] | None = None
) -> RemoteDocument:
    """``tax_rates``: the tenant's TaxType → rate, when the caller has them."""
    collection, id_field = COLLECTION[kind]
    what = "an invoice" if kind == "invoice" else "a quote"
    kept, sums = _priced(data, what, tax_rates)
    total, sub_total, tax, tax_rate = sums.total, sums.sub_total, sums.tax, sums.tax_rate
    paid = _decimal(data.get("AmountPaid"), "an amount paid", ZERO)
    if kind == "invoice":
        status, number, end = (
            _invoice_status(data, total, paid),
            data.get("InvoiceNumber"),
            "DueDate",
        )
    else:
        status = HUB_QUOTE_STATUS.get(str(data.get("Status")), "sent")
        number, end = data.get("QuoteNumber"), "ExpiryDate"
        paid = ZERO
    return RemoteDocument(
        kind=kind,
        remote_id=required(data, id_field, what),
        remote_version=version_of(data, what),
        customer_remote_id=required(data.get("Contact"), "ContactID", f"{what} contact"),
        number=str(number or ""),
        issue_date=parse_day(required(data, "Date", what), "a Date"),
        status=status,
        currency=str(data.get("CurrencyCode") or ""),
        lines=kept,
        due_date=parse_day(data[end], end) if data.get(end) else None,
        discount_percent=ZERO,
        tax_rate=tax_rate,
        total=total if total or not sub_total else sub_total + tax,
        amount_paid=paid,
        net_total=sub_total,
        tax_total=tax,
    )


def payment_from_xero(data: Mapping) -> RemotePayment:
    invoice = data.get("Invoice") or {}
    amount = _decimal(data.get("Amount"), "a payment amount")
    invoice_id = str(invoice.get("InvoiceID") or "")
    return RemotePayment(
        remote_id=required(data, "PaymentID", "a payment"),
        remote_version=version_of(data, "a payment"),
        customer_remote_id=str((invoice.get("Contact") or {}).get("ContactID") or ""),
        date=parse_day(required(data, "Date", "a payment"), "a payment Date"),
        amount=amount,
        applied_to=[(invoice_id, amount)] if invoice_id else [],
        reference=str(data.get("Reference") or ""),
        voided=data.get("Status") == "DELETED",
    )


def change_from_xero(
    kind: str, data: Mapping, *, tax_rates: Mapping[str, Decimal] | None = None
) -> RemoteChange:
    _, id_field = COLLECTION[kind]
    remote_id = required(data, id_field, kind)
    if kind == "customer":
        record: Any = contact_from_xero(data)
    elif kind == "payment":
        record = payment_from_xero(data)
    elif kind == "refund":
        record = refund_from_xero(data)
    elif kind == "credit_note":
        record = credit_note_from_xero(data, tax_rates=tax_rates)
    else:
        record = document_from_xero(data, kind, tax_rates=tax_rates)
    return RemoteChange(kind=kind, remote_id=remote_id, record=record)


# --- building requests -----------------------------------------------------------------


def contact_to_xero(customer, *, name: str | None = None) -> dict:
    name = " ".join((name or customer.display_name).split())[:NAME_MAX]
    if not name:
        raise PermanentError("The customer has no display name, which Xero requires.")
    body: dict[str, Any] = {
        "Name": name,
        "FirstName": customer.given_name[:255],
        "LastName": customer.family_name[:255],
        "EmailAddress": customer.email,
    }
    if customer.phone:
        body["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": customer.phone[:50]}]
    address = {
        "AddressLine1": customer.billing_line1,
        "AddressLine2": customer.billing_line2,
        "City": customer.billing_city,
        "Region": customer.billing_region,
        "PostalCode": customer.billing_postal_code,
        "Country": customer.billing_country,
    }
    if any(address.values()):
        body["Addresses"] = [{"AddressType": "POBOX", **{k: v for k, v in address.items() if v}}]
    return body


def combined_discount(line_percent: Decimal, document_percent: Decimal) -> Decimal:
    """One DiscountRate for a line discount followed by the document discount, to the two
    decimals Xero shows a discount with (whatever this leaves goes on the Rounding line)."""
    keep = (1 - Decimal(line_percent) / HUNDRED) * (1 - Decimal(document_percent) / HUNDRED)
    return round_places((1 - keep) * HUNDRED, DISCOUNT_PLACES).normalize()


def unit_places_of(kind: str) -> int:
    """The decimals Xero keeps on a unit amount of this kind of document."""
    return QUOTE_UNIT_PLACES if kind == "quote" else UNIT_PLACES


def _line_to_xero(
    line,
    *,
    document_discount,
    tax: Decimal,
    tax_types: TaxTypes,
    account_code,
    places: int,
    line_accounts: Mapping[int, str] | None = None,
):
    """A line as Xero will price it, with its tax set to the hub's share, and its amount."""
    discount = combined_discount(line.discount_percent, document_discount)
    quantity = round_places(line.quantity, UNIT_PLACES)
    unit_amount = round_places(line.unit_price, places)
    body: dict[str, Any] = {
        "Description": line.description,
        "Quantity": quantity,
        "UnitAmount": unit_amount,
        # The line's service item may post to its own income account (docs/mapping.md).
        "AccountCode": (line_accounts or {}).get(
            getattr(line, "service_item_id", None) or 0, account_code
        ),
        "TaxType": tax_types.taxable if line.taxable else tax_types.exempt,
        # Xero works a line's tax out itself but takes the client's figure instead: the hub's
        # share of its tax total, so Xero's TotalTax is the hub's without any rounding line.
        # https://developer.xero.com/documentation/api/accounting/invoices (LineItems TaxAmount)
        "TaxAmount": tax,
    }
    if discount:
        body["DiscountRate"] = discount
    return body, line_amount(quantity, unit_amount, discount)


def line_items(
    document,
    lines: Sequence,
    *,
    tax_types: TaxTypes,
    account_code: str,
    places: int = UNIT_PLACES,
    line_accounts: Mapping[int, str] | None = None,
) -> list[dict]:
    """Lines as Xero will price them, plus a Rounding line for the cents Xero's per-line
    arithmetic (4-decimal quantities, prices to ``places``, one DiscountRate per line) leaves
    between its lines and the hub's discounted subtotal."""
    if Decimal(document.tax_rate) and any(ln.taxable for ln in lines):
        if Decimal(tax_types.taxable_rate) != Decimal(document.tax_rate):
            raise PermanentError(f"Xero has no sales tax rate of {document.tax_rate}%.")
    shares, totals = line_shares(
        lines, discount_percent=document.discount_percent, tax_rate=document.tax_rate
    )
    items, xero_net = [], ZERO
    for line, share in zip(lines, shares, strict=True):
        body, amount = _line_to_xero(
            line,
            document_discount=document.discount_percent,
            tax=share.tax,
            tax_types=tax_types,
            account_code=account_code,
            places=places,
            line_accounts=line_accounts,
        )
        items.append(body)
        xero_net += amount
    residue = totals.subtotal - totals.discount_total - xero_net
    if residue:
        items.append(
            {
                "Description": ROUNDING_DESCRIPTION,
                "Quantity": Decimal("1"),
                "UnitAmount": residue,
                "AccountCode": account_code,
                "TaxType": tax_types.exempt,
                "TaxAmount": ZERO,
            }
        )
    return items


def document_to_xero(
    document,
    lines: Sequence,
    *,
    kind: str,
    contact_id: str,
    tax_types: TaxTypes,
    account_code: str,
    line_accounts: Mapping[int, str] | None = None,
) -> dict:
    """An ACCREC invoice (a sent hub invoice is AUTHORISED), a quote, or an ACCRECCREDIT
    credit note (issued: AUTHORISED), whose lines are taxed as an invoice's."""
    body: dict[str, Any] = {
        "Contact": {"ContactID": contact_id},
        "Date": document.issue_date.isoformat(),
        "LineAmountTypes": "Exclusive",
        "CurrencyCode": document.currency,
        "LineItems": line_items(
            document,
            lines,
            tax_types=tax_types,
            account_code=account_code,
            places=unit_places_of(kind),
            line_accounts=line_accounts,
        ),
    }
    if kind == "credit_note":
        body |= {
            "Type": "ACCRECCREDIT",
            "CreditNoteNumber": document.number,
            "Status": "AUTHORISED",
            "Reference": document.reason[:255],
        }
    elif kind == "invoice":
        body |= {"Type": "ACCREC", "InvoiceNumber": document.number, "Status": "AUTHORISED"}
        if document.due_date:
            body["DueDate"] = document.due_date.isoformat()
        else:
            body["DueDate"] = document.issue_date.isoformat()
    else:
        body |= {
            "QuoteNumber": document.number,
            "Status": QUOTE_STATUS.get(document.status, "SENT"),
        }
        if document.expiry_date:
            body["ExpiryDate"] = document.expiry_date.isoformat()
        if document.notes:
            body["Summary"] = document.notes[:3000]
    return body


def account_ref(remote_id: str, *, code_field: str = "Code") -> dict:
    """An account as the hub knows it: by its Code, or by its AccountID for a bank account
    without a code (list_accounts; docs/mapping.md)."""
    return {"AccountID" if len(remote_id) == GUID_LENGTH else code_field: remote_id}


def payment_to_xero(payment, *, invoice_id: str, account_code: str) -> dict:
    return {
        "Invoice": {"InvoiceID": invoice_id},
        "Account": account_ref(account_code),
        "Date": payment.date.isoformat(),
        "Amount": round_money(payment.amount),
        "Reference": " ".join(filter(None, [payment.method, payment.reference]))[:255],
    }


def refund_to_xero(refund, *, credit_note_id: str, account_code: str) -> dict:
    """A cash refund: a Payment of the credit note, out of the bank account.
    https://developer.xero.com/documentation/api/accounting/payments"""
    return {
        "CreditNote": {"CreditNoteID": credit_note_id},
        "Account": account_ref(account_code),
        "Date": refund.date.isoformat(),
        "Amount": round_money(refund.amount),
        "Reference": " ".join(filter(None, [refund.method, refund.reference]))[:255],
    }


def payment_refund_credit_note(
    refund,
    *,
    contact_id: str,
    payment_id: str,
    tax_types: TaxTypes,
    account_code: str,
) -> dict:
    """The credit note that pays back part of a payment: one line of the refunded amount, tax
    included at the invoice's rate (so its Total is the refund to the cent), naming the
    payment in its Reference."""
    taxed = bool(tax_types.taxable_rate)
    invoice = refund.invoice
    what = f"Refund of payment on {invoice.number}" if invoice else "Refund of payment"
    body: dict[str, Any] = {
        "Type": "ACCRECCREDIT",
        "Status": "AUTHORISED",
        "Contact": {"ContactID": contact_id},
        "Date": refund.date.isoformat(),
        "CreditNoteNumber": f"RF-{refund.pk}",
        "Reference": f"{PAYMENT_REFUND_REFERENCE}{payment_id}"[:255],
        "LineAmountTypes": "Inclusive" if taxed else "NoTax",
        "LineItems": [
            {
                "Description": what,
                "Quantity": Decimal("1"),
                "UnitAmount": round_money(refund.amount),
                "AccountCode": account_code,
                "TaxType": tax_types.taxable if taxed else tax_types.exempt,
            }
        ],
    }
    if invoice is not None:
        body["CurrencyCode"] = invoice.currency
    return body


def where_literal(value: str) -> str:
    """A string inside a Xero ``where`` filter: double quotes, backslash-escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
