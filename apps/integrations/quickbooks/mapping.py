"""Hub records ↔ QuickBooks Online JSON. Pure functions: no HTTP, no database writes.

Building a body from a hub record that QBO cannot take raises ``PermanentError`` (the record is
parked with that message); reading a QBO answer that lacks what we need raises ``TransientError``
(a malformed answer is retried, never a crash).

Taxes and discounts follow the integration's region
(docs/sync-rules.md, "Taxes and discounts by region"):
- US: folded into each line's price. Every line is sent non-taxable (``NON``) at a price that
  already holds its share of the line and document discounts and of the tax, so QBO's
  ``TotalAmt`` equals the hub total to the cent.
- Canada and Global: separate fields. Lines carry the hub's amounts and a tax code; one
  percent-based ``DiscountLineDetail`` line carries the document discount; QBO works out
  ``TxnTaxDetail`` from the codes, exactly as the hub does (docs/money.md).
Every sales line's Amount is round(Qty × UnitPrice) (QBO refuses anything else, error 6070); the
cents that arithmetic cannot carry go on a visible "Rounding" line.
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from apps.common.documents import compute_totals
from apps.common.money import ZERO, line_amount, round_money
from apps.integrations.amounts import ROUNDING_DESCRIPTION, PricedLine, line_shares, priced_for
from apps.integrations.contract import PermanentError, TransientError

DOC_NUMBER_MAX = 21
PAYMENT_REF_MAX = 21
DISPLAY_NAME_MAX = 500
# The item used for a line that is free text, and for a SalesReceipt's single line.
DEFAULT_ITEM_NAME = "Services"
US_REGION = "us"
CANADA_REGION = "ca"

# Hub kind → QBO entity name.
ENTITY = {
    "customer": "Customer",
    "invoice": "Invoice",
    "quote": "Estimate",
    "payment": "Payment",
    "credit_note": "CreditMemo",
    "refund": "RefundReceipt",
}
KIND = {entity: kind for kind, entity in ENTITY.items()}
ESTIMATE_STATUS = {
    "draft": "Pending",
    "sent": "Pending",
    "accepted": "Accepted",
    "declined": "Rejected",
    "cancelled": "Closed",
}


@dataclass(frozen=True)
class TaxCodes:
    """The company's tax codes for taxable and exempt lines (outside the US)."""

    taxable: str = "TAX"
    exempt: str = "NON"


def version_of(data: Mapping, entity: str) -> str:
    """The SyncToken: the version every update must name."""
    token = data.get("SyncToken") if isinstance(data, Mapping) else None
    if token in (None, ""):
        raise TransientError(f"QuickBooks answered a {entity} without SyncToken.")
    return str(token)


# --- building requests -------------------------------------------------------------------


def clean_display_name(name: str) -> str:
    """QBO refuses ':' in names (it separates sub-customers)."""
    return " ".join(name.replace(":", " ").split())[:DISPLAY_NAME_MAX]


def customer_to_qbo(customer, *, display_name: str | None = None) -> dict:
    name = clean_display_name(display_name or customer.display_name)
    if not name:
        raise PermanentError("The customer has no display name, which QuickBooks requires.")
    body: dict[str, Any] = {
        "DisplayName": name,
        "GivenName": customer.given_name[:100],
        "FamilyName": customer.family_name[:100],
        "CompanyName": customer.company_name[:100],
        "Title": customer.title[:16],
        "Active": True,
    }
    if customer.email:
        body["PrimaryEmailAddr"] = {"Address": customer.email}
    if customer.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": customer.phone[:30]}
    address = {
        "Line1": customer.billing_line1,
        "Line2": customer.billing_line2,
        "City": customer.billing_city,
        "CountrySubDivisionCode": customer.billing_region,
        "PostalCode": customer.billing_postal_code,
        "Country": customer.billing_country,
    }
    if any(address.values()):
        body["BillAddr"] = {key: value for key, value in address.items() if value}
    return body


def item_name_of(line) -> str:
    return line.service_item.name if line.service_item is not None else DEFAULT_ITEM_NAME


def _sales_line(
    *,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    amount: Decimal,
    item_ref: Mapping,
    tax_code: str,
) -> dict:
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": amount,
        "Description": description,
        "SalesItemLineDetail": {
            "ItemRef": dict(item_ref),
            "Qty": Decimal(quantity),
            "UnitPrice": unit_price,
            "TaxCodeRef": {"value": tax_code},
        },
    }


def _rounding_lines(residues: Mapping[str, Decimal], item_ref: Mapping) -> list[dict]:
    """One visible line per tax code for the cents that Qty × UnitPrice could not carry
    (QuickBooks refuses a line whose Amount is not its Qty × UnitPrice, error 6070)."""
    return [
        _sales_line(
            description=ROUNDING_DESCRIPTION,
            quantity=Decimal("1"),
            unit_price=residue,
            amount=residue,
            item_ref=item_ref,
            tax_code=code,
        )
        for code, residue in residues.items()
        if residue
    ]


def _priced_line(
    line, wanted: Decimal, *, item_ref: Mapping, tax_code: str
) -> tuple[dict, Decimal]:
    """A sales line for ``wanted`` (the hub's amount, or its folded share) whose Amount is
    exactly round(Qty × UnitPrice); and the cents it leaves over. The hub's own price is kept
    whenever it already gives that amount."""
    quantity, price = Decimal(line.quantity), Decimal(line.unit_price)
    if line_amount(quantity, price) == wanted:
        priced = PricedLine(unit_price=price, amount=wanted, residue=ZERO)
    else:
        priced = priced_for(quantity, wanted)
        if not quantity:
            priced = PricedLine(unit_price=price, amount=ZERO, residue=wanted)
    body = _sales_line(
        description=line.description,
        quantity=quantity,
        unit_price=priced.unit_price,
        amount=priced.amount,
        item_ref=item_ref,
        tax_code=tax_code,
    )
    return body, priced.residue


def _us_lines(document, lines, item_refs) -> list[dict]:
    """Each line at a price that holds its share of both discounts and of the tax; the
    shares add up to the hub's total, so QuickBooks' TotalAmt is the hub's."""
    shares, _ = line_shares(
        lines, discount_percent=document.discount_percent, tax_rate=document.tax_rate
    )
    body, residue = [], ZERO
    for line, share in zip(lines, shares, strict=True):
        sales, left = _priced_line(
            line, share.net + share.tax, item_ref=item_refs[item_name_of(line)], tax_code="NON"
        )
        body.append(sales)
        residue += left
    return body + _rounding_lines({"NON": residue}, item_refs[DEFAULT_ITEM_NAME])


def _separate_lines(document, lines, item_refs, tax_codes: TaxCodes) -> tuple[list[dict], dict]:
    """Each line at the hub's amount (QuickBooks has no line discount: a discounted line's
    price is folded so the tax base stays the hub's), the document discount as a percentage
    on its own DiscountLineDetail line, and a tax code per line from which QuickBooks works
    the tax out per code, on the discounted share, rounded once per rate: the hub's rule
    (``compute_totals``). Rounding lines keep each tax code's base equal to the hub's.
    QBO taxes the total of the lines of a rate (TaxLineDetail.NetAmountTaxable):
    https://static.developer.intuit.com/sdkdocs/qbv3doc/ippdotnetdevkitv3/html/393902ec-f79c-bb8f-82fd-0f3bd296dd27.htm
    """
    totals = compute_totals(
        lines, discount_percent=document.discount_percent, tax_rate=document.tax_rate
    )
    body, residues = [], {}
    for line, amount in zip(lines, totals.line_amounts, strict=True):
        code = tax_codes.taxable if line.taxable else tax_codes.exempt
        sales, left = _priced_line(
            line, amount, item_ref=item_refs[item_name_of(line)], tax_code=code
        )
        body.append(sales)
        residues[code] = residues.get(code, ZERO) + left
    body += _rounding_lines(residues, item_refs[DEFAULT_ITEM_NAME])
    if totals.document_discount:
        body.append(
            {
                "DetailType": "DiscountLineDetail",
                "Amount": totals.document_discount,
                "DiscountLineDetail": {
                    "PercentBased": True,
                    "DiscountPercent": Decimal(document.discount_percent),
                },
            }
        )
    tax: dict[str, Any] = {"TotalTax": totals.tax_total}
    if totals.tax_total:
        tax["TxnTaxCodeRef"] = {"value": tax_codes.taxable}
    return body, tax


def document_to_qbo(
    document,
    lines: Sequence,
    *,
    kind: str,
    region: str,
    customer_remote_id: str,
    item_refs: Mapping[str, Mapping],
    tax_codes: TaxCodes = TaxCodes(),
) -> dict:
    """An Invoice or Estimate body; ``item_refs`` maps every line's item name to its ItemRef."""
    if len(document.number) > DOC_NUMBER_MAX:
        raise PermanentError(
            f"Number {document.number!r} is longer than QuickBooks allows"
            f" ({DOC_NUMBER_MAX} characters)."
        )
    missing = {item_name_of(line) for line in lines} - set(item_refs)
    if missing:
        raise PermanentError(f"No QuickBooks item for {', '.join(sorted(missing))}.")
    body: dict[str, Any] = {
        "CustomerRef": {"value": customer_remote_id},
        "DocNumber": document.number,
        "TxnDate": document.issue_date.isoformat(),
        "CurrencyRef": {"value": document.currency},
    }
    if region == US_REGION:
        body["Line"] = _us_lines(document, lines, item_refs)
        body["TxnTaxDetail"] = {"TotalTax": ZERO}
    else:
        body["Line"], body["TxnTaxDetail"] = _separate_lines(document, lines, item_refs, tax_codes)
        body["GlobalTaxCalculation"] = "TaxExcluded"
        if region == CANADA_REGION:
            # The discount comes off before tax is worked out (not settable in the UK/FR
            # editions, where QBO always discounts first).
            body["ApplyTaxAfterDiscount"] = True
    for number, line in enumerate(body["Line"], start=1):
        line["LineNum"] = number
    if document.billing_email:
        body["BillEmail"] = {"Address": document.billing_email}
    if document.notes:
        body["CustomerMemo"] = {"value": document.notes[:1000]}
    if kind == "invoice":
        if document.due_date:
            body["DueDate"] = document.due_date.isoformat()
    elif kind == "credit_note":
        if document.reason:
            body["PrivateNote"] = document.reason
    else:
        if document.expiry_date:
            body["ExpirationDate"] = document.expiry_date.isoformat()
        body["TxnStatus"] = ESTIMATE_STATUS.get(document.status, "Pending")
    return body


def payment_to_qbo(payment, *, customer_remote_id: str, invoice_remote_id: str) -> dict:
    """A Payment applied in full to the invoice."""
    amount = round_money(payment.amount)
    return {
        "CustomerRef": {"value": customer_remote_id},
        "TotalAmt": amount,
        "TxnDate": payment.date.isoformat(),
        "PaymentRefNum": payment.reference[:PAYMENT_REF_MAX],
        "PrivateNote": payment.method,
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": invoice_remote_id, "TxnType": "Invoice"}]}
        ],
    }


def sales_receipt_to_qbo(
    payment, *, customer_remote_id: str, item_ref: Mapping, tax_code: str = "NON"
) -> dict:
    """A SalesReceipt for money collected without an invoice in QuickBooks
    (docs/sync-rules.md, "Payments"). Its one line is untaxed: ``NON`` in the US, elsewhere
    the company's zero-rated code (Australia's "GST free"), since outside the US every line
    names one of the company's own TaxCodes."""
    invoice = payment.invoice
    label = f"Payment for invoice {invoice.number}" if invoice is not None else "Payment"
    return _receipt(payment, label, customer_remote_id, item_ref, tax_code)


def refund_receipt_to_qbo(
    refund, *, customer_remote_id: str, item_ref: Mapping, tax_code: str, account_id: str
) -> dict:
    """A RefundReceipt for money the hub paid back, from ``account_id`` (QuickBooks requires
    the account, DepositToAccountRef), in one untaxed line like a sales receipt's: the amount
    paid back is what the customer gets, tax included (docs/credit-notes.md)."""
    of = refund.credit_note or refund.payment
    if refund.credit_note is not None:
        label = f"Refund of credit note {of.number}"
    elif refund.invoice is not None:
        label = f"Refund of a payment on invoice {refund.invoice.number}"
    else:
        label = "Refund of a payment"
    body = _receipt(refund, label, customer_remote_id, item_ref, tax_code)
    body["DepositToAccountRef"] = {"value": account_id}
    return body


def _receipt(money, label: str, customer_remote_id: str, item_ref: Mapping, tax_code: str):
    amount = round_money(money.amount)
    return {
        "CustomerRef": {"value": customer_remote_id},
        "TxnDate": money.date.isoformat(),
        "PaymentRefNum": money.reference[:PAYMENT_REF_MAX],
        "PrivateNote": " ".join(filter(None, [label, money.method])),
        "Line": [
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": amount,
                "Description": label,
                "SalesItemLineDetail": {
                    "ItemRef": dict(item_ref),
                    "Qty": Decimal("1"),
                    "UnitPrice": amount,
                    "TaxCodeRef": {"value": tax_code},
                },
            }
        ],
    }


def credit_application_to_qbo(
    credit_note, *, customer_remote_id: str, invoice_remote_id: str, credit_memo_id: str
) -> dict:
    """The Payment that applies a credit memo to an invoice: of total 0, one line taking the
    credit from the memo and one paying the invoice with it (docs/credit-notes.md;
    docs/sandbox-quickbooks.md, "Credit memos and refund receipts")."""
    amount = round_money(credit_note.amount_allocated)
    return {
        "CustomerRef": {"value": customer_remote_id},
        "TotalAmt": ZERO,
        "TxnDate": credit_note.issue_date.isoformat(),
        "PrivateNote": f"Credit note {credit_note.number} applied",
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": invoice_remote_id, "TxnType": "Invoice"}]},
            {
                "Amount": amount,
                "LinkedTxn": [{"TxnId": credit_memo_id, "TxnType": "CreditMemo"}],
            },
        ],
    }


def query_literal(value: str) -> str:
    """A string for the QBO query language: single quotes, backslash-escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
