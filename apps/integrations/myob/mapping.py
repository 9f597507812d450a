"""Hub records ↔ MYOB Business JSON (docs/myob.md, docs/money.md).

Paths: ``Contact/Customer``, ``Sale/Invoice/Service`` and ``Sale/Invoice/Item``,
``Sale/Quote/Service`` and ``Sale/Quote/Item``, ``Sale/CustomerPayment``, ``Inventory/Item``,
``GeneralLedger/TaxCode``, ``GeneralLedger/Account``.
https://developer.myob.com/api/myob-business-api/v2/ (endpoint index)

Amounts: every document the hub sends is tax-exclusive (``IsTaxInclusive`` false) and each line
carries its net ``Total`` after its own discount and its share of the document discount
(apps/integrations/amounts.py), so MYOB's Subtotal is the hub's discounted subtotal. A document
read back converts an inclusive one's line totals to exclusive with its tax code's rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from apps.common.money import HUNDRED, ZERO, round_money
from apps.integrations.amounts import line_shares
from apps.integrations.companies import COUNTRY_NAMES, country_code
from apps.integrations.contract import (
    PermanentError,
    RemoteChange,
    RemoteCustomer,
    RemoteDocument,
    RemoteLine,
    RemotePayment,
    TransientError,
)
from apps.integrations.wire import answered_decimal, required_text

CUSTOMERS = "Contact/Customer"
PAYMENTS = "Sale/CustomerPayment"
ITEMS = "Inventory/Item"
TAX_CODES = "GeneralLedger/TaxCode"
ACCOUNTS = "GeneralLedger/Account"
# kind → the layouts' paths (Service first: the hub's own layout).
LAYOUTS = {
    "invoice": ("Sale/Invoice/Service", "Sale/Invoice/Item"),
    "quote": ("Sale/Quote/Service", "Sale/Quote/Item"),
}
# Every layout of a kind, read only: what a look-up by number asks.
ALL_LAYOUTS = {"invoice": "Sale/Invoice", "quote": "Sale/Quote"}
# Field lengths MYOB takes (the resource pages' "String (n)"): a sale's Number 13, its Comment
# 255 and a line's Description 1,000; a card's CompanyName 50, LastName 30, FirstName 20, an
# address's PostCode 10 and Phone 21; a payment's Memo 255.
NUMBER_MAX, COMMENT_MAX, DESCRIPTION_MAX, MEMO_MAX = 13, 255, 1000, 255
NAME_MAX, LAST_NAME_MAX, FIRST_NAME_MAX, POSTCODE_MAX, PHONE_MAX = 50, 30, 20, 10, 21


def answered(what: str) -> str:
    return f"MYOB answered {what}"


def _decimal(value, what: str, default: Decimal | None = None) -> Decimal:
    return answered_decimal(value, answered=answered(what), default=default)


def uid_of(row: Mapping | None, what: str) -> str:
    return required_text(row, "UID", answered=answered(what))


def version_of(row: Mapping, what: str) -> str:
    return required_text(row, "RowVersion", answered=answered(what))


def parse_day(value, what: str) -> date:
    """MYOB dates are local date-times without a zone: "2026-03-01T00:00:00"."""
    try:
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise TransientError(f"{answered(what)} with a date {value!r}.") from None


def parse_modified(value) -> datetime:
    """``LastModified`` is UTC without a zone, sometimes with fractions of a second."""
    try:
        moment = datetime.fromisoformat(str(value).rstrip("Z"))
    except ValueError:
        raise TransientError(f"{answered('a LastModified')} {value!r}.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def odata_text(value: str) -> str:
    """A string literal of an OData ``$filter``: single quotes, doubled inside."""
    return "'" + value.replace("'", "''") + "'"


def odata_time(moment: datetime) -> str:
    return "datetime'" + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + "'"


def ref(uid: str) -> dict:
    return {"UID": uid}


def number_fits(number: str, kind: str) -> None:
    """A sale's Number is at most 13 characters in MYOB
    (https://developer.myob.com/api/myob-business-api/v2/sale/invoice/). Cut short, two hub
    numbers sharing their first 13 characters would be one MYOB document: the second would be
    found by its number and written over the first. Refused instead, with what to change."""
    if len(number) > NUMBER_MAX:
        raise PermanentError(
            f"MYOB takes {kind} numbers of at most {NUMBER_MAX} characters, and "
            f"{number} has {len(number)}: use a shorter number prefix in the hub's settings, "
            "or renumber it."
        )


# --- customers --------------------------------------------------------------------------
def customer_fields(customer) -> dict:
    """The card fields the hub owns; the rest of a read card is kept as MYOB has it."""
    name = " ".join(customer.display_name.split())
    individual = not customer.company_name and bool(customer.family_name)
    fields: dict[str, Any] = {"IsIndividual": individual, "IsActive": True}
    if individual:
        fields |= {
            "FirstName": customer.given_name[:FIRST_NAME_MAX],
            "LastName": customer.family_name[:LAST_NAME_MAX],
            "CompanyName": None,
        }
    else:
        fields |= {"CompanyName": (customer.company_name or name)[:NAME_MAX]}
    address = {
        "Location": 1,
        "Street": "\n".join(filter(None, [customer.billing_line1, customer.billing_line2])),
        "City": customer.billing_city,
        "State": customer.billing_region,
        "PostCode": customer.billing_postal_code[:POSTCODE_MAX],
        "Country": customer.billing_country,
        "Email": customer.email,
        "Phone1": customer.phone[:PHONE_MAX],
    }
    fields["Addresses"] = [address]
    return fields


def customer_body(customer, current: Mapping | None, *, tax_code_uid: str) -> dict:
    """A new card (``current`` None) or ``current`` with the hub's fields applied over it."""
    if current is None:
        body: dict[str, Any] = {
            "SellingDetails": {
                "TaxCode": ref(tax_code_uid),
                "FreightTaxCode": ref(tax_code_uid),
            }
        }
    else:
        body = dict(current)
        others = [a for a in current.get("Addresses") or [] if a.get("Location") != 1]
        body["Addresses"] = others
    fields = customer_fields(customer)
    addresses = body.pop("Addresses", [])
    body |= fields
    body["Addresses"] = fields["Addresses"] + addresses
    return body


def country_of(value) -> str:
    """MYOB's address Country is free text ("Australia"): the hub keeps a two-letter code, and
    nothing rather than a guess for a name it does not know."""
    text = str(value or "").strip()
    if len(text) == 2 or text.upper() in COUNTRY_NAMES:
        return country_code(text)
    return ""


def card_name(row: Mapping) -> str:
    if row.get("IsIndividual"):
        return " ".join(filter(None, [row.get("FirstName"), row.get("LastName")]))
    return str(row.get("CompanyName") or "")


def customer_from_myob(row: Mapping) -> RemoteCustomer:
    address = next(
        (a for a in row.get("Addresses") or [] if a.get("Location") == 1),
        (row.get("Addresses") or [{}])[0],
    )
    street = str(address.get("Street") or "").split("\n", 1)
    return RemoteCustomer(
        remote_id=uid_of(row, "a customer"),
        remote_version=version_of(row, "a customer"),
        display_name=card_name(row),
        given_name=str(row.get("FirstName") or "") if row.get("IsIndividual") else "",
        family_name=str(row.get("LastName") or "") if row.get("IsIndividual") else "",
        company_name=str(row.get("CompanyName") or ""),
        email=str(address.get("Email") or ""),
        phone=str(address.get("Phone1") or ""),
        billing_line1=street[0],
        billing_line2=street[1] if len(street) > 1 else "",
        billing_city=str(address.get("City") or ""),
        billing_region=str(address.get("State") or ""),
        billing_postal_code=str(address.get("PostCode") or ""),
        billing_country=country_of(address.get("Country")),
        active=bool(row.get("IsActive", True)),
    )


# --- documents --------------------------------------------------------------------------
def document_lines(
    document,
    lines,
    *,
    taxable_uid: str,
    exempt_uid: str,
    account_uid: str,
    items: Mapping,
    line_accounts: Mapping[int, str] | None = None,
) -> list[dict]:
    """Lines with their exclusive net ``Total``. ``items`` (line position → remote item UID)
    is given for the Item layout: every line then names its item, quantity and unit price."""
    shares, _ = line_shares(
        lines, discount_percent=document.discount_percent, tax_rate=document.tax_rate
    )
    body = []
    for index, (line, share) in enumerate(zip(lines, shares, strict=True)):
        row: dict[str, Any] = {
            "Type": "Transaction",
            "Description": line.description[:DESCRIPTION_MAX],
            "Total": share.net,
            "TaxCode": ref(taxable_uid if line.taxable else exempt_uid),
        }
        if items:
            quantity = Decimal(line.quantity)
            row |= {
                "Item": ref(items[index]),
                "ShipQuantity": quantity,
                "UnitPrice": round_money(share.net / quantity) if quantity else ZERO,
            }
        else:
            # A service item may post to its own income account (docs/mapping.md).
            own = (line_accounts or {}).get(line.service_item_id or 0)
            row["Account"] = ref(own or account_uid)
        body.append(row)
    return body


def document_body(document, lines: list[dict], *, kind: str, customer_uid: str) -> dict:
    body: dict[str, Any] = {
        "Number": document.number[:NUMBER_MAX],
        "Date": f"{document.issue_date.isoformat()}T00:00:00",
        "Customer": ref(customer_uid),
        "IsTaxInclusive": False,
        "Lines": lines,
        "Comment": (document.notes or "")[:COMMENT_MAX],
    }
    end = document.due_date if kind == "invoice" else document.expiry_date
    if end:
        days = max((end - document.issue_date).days, 0)
        body["Terms"] = {"PaymentIsDue": "InAGivenNumberOfDays", "BalanceDueDate": days}
    return body


def _line_from_myob(row: Mapping, rates: Mapping[str, Decimal], inclusive: bool) -> RemoteLine:
    code_uid = str((row.get("TaxCode") or {}).get("UID") or "")
    rate = rates.get(code_uid, ZERO)
    total = _decimal(row.get("Total"), "a line total", ZERO)
    if inclusive and rate:
        total = round_money(total * HUNDRED / (HUNDRED + rate))
    quantity = _decimal(row.get("ShipQuantity"), "a quantity", Decimal(1)) or Decimal(1)
    item = row.get("Item") or {}
    return RemoteLine(
        description=str(row.get("Description") or ""),
        quantity=quantity,
        unit_price=round_money(total / quantity) if quantity != 1 else total,
        item_name=str(item.get("Name") or item.get("Number") or ""),
        taxable=bool(rate),
        line_id=str(row.get("RowID") or ""),
        tax_code=str((row.get("TaxCode") or {}).get("Code") or code_uid),
        amount=total,
    )


INVOICE_STATUS = {"Closed": "paid", "Credit": "paid"}
QUOTE_STATUS = {"ConvertedToInvoice": "accepted", "Open": "sent"}


def document_from_myob(
    row: Mapping, kind: str, *, rates: Mapping[str, Decimal], currency: str = ""
) -> RemoteDocument:
    """``rates``: tax code UID → rate, from the file's tax codes; ``currency``: the file's home
    currency (a document in it has no ForeignCurrency)."""
    what = "an invoice" if kind == "invoice" else "a quote"
    raw_lines = row.get("Lines")
    if not isinstance(raw_lines, list):
        raise TransientError(f"{answered(what)} without Lines.")
    inclusive = bool(row.get("IsTaxInclusive"))
    lines = [_line_from_myob(r, rates, inclusive) for r in raw_lines if r.get("Type") != "Header"]
    total = _decimal(row.get("TotalAmount"), "a total", ZERO)
    tax = _decimal(row.get("TotalTax"), "a total tax", ZERO)
    taxable_rates = {rates.get(str((r.get("TaxCode") or {}).get("UID"))) for r in raw_lines}
    taxable_rates -= {None, ZERO}
    paid = ZERO
    status = QUOTE_STATUS.get(str(row.get("Status")), "sent")
    if kind == "invoice":
        balance = _decimal(row.get("BalanceDueAmount"), "a balance due", total)
        paid = total - balance
        status = INVOICE_STATUS.get(str(row.get("Status")), "sent")
        if status == "sent" and paid > ZERO:
            status = "partially_paid"
    due = (row.get("Terms") or {}).get("DueDate")
    return RemoteDocument(
        kind=kind,
        remote_id=uid_of(row, what),
        remote_version=version_of(row, what),
        customer_remote_id=uid_of(row.get("Customer"), f"{what} customer"),
        number=str(row.get("Number") or ""),
        issue_date=parse_day(required_text(row, "Date", answered=answered(what)), "a Date"),
        status=status,
        currency=str((row.get("ForeignCurrency") or {}).get("Code") or currency),
        lines=lines,
        due_date=parse_day(due, "a DueDate") if due else None,
        tax_rate=taxable_rates.pop() if len(taxable_rates) == 1 else ZERO,
        total=total,
        amount_paid=paid,
        net_total=total - tax,
        tax_total=tax,
    )


# --- payments ---------------------------------------------------------------------------
def payment_memo(payment, tag: str) -> str:
    """The Memo carries the hub's tag: a create whose answer was lost is found by it."""
    said = " ".join(filter(None, [payment.method, payment.reference]))
    return f"{said} [{tag}]".strip()[:MEMO_MAX]


def payment_body(payment, *, customer_uid, invoice_uid, account_uid, memo: str) -> dict:
    amount = round_money(payment.amount)
    return {
        "DepositTo": "Account",
        "Account": ref(account_uid),
        "Customer": ref(customer_uid),
        "Date": f"{payment.date.isoformat()}T00:00:00",
        "AmountReceived": amount,
        "Memo": memo,
        "Invoices": [{"UID": invoice_uid, "AmountApplied": amount, "Type": "Invoice"}],
    }


def payment_from_myob(row: Mapping) -> RemotePayment:
    applied = [
        (uid_of(i, "a payment's invoice"), _decimal(i.get("AmountApplied"), "an amount applied"))
        for i in row.get("Invoices") or []
    ]
    return RemotePayment(
        remote_id=uid_of(row, "a payment"),
        remote_version=version_of(row, "a payment"),
        customer_remote_id=uid_of(row.get("Customer"), "a payment's customer"),
        date=parse_day(required_text(row, "Date", answered=answered("a payment")), "a Date"),
        amount=_decimal(row.get("AmountReceived"), "an amount received"),
        applied_to=applied,
        method=str(row.get("PaymentMethod") or ""),
        reference=str(row.get("Memo") or ""),
    )


def change_from_myob(
    kind: str, row: Mapping, *, rates: Mapping[str, Decimal], currency: str = ""
) -> RemoteChange:
    if kind == "customer":
        record: Any = customer_from_myob(row)
    elif kind == "payment":
        record = payment_from_myob(row)
    else:
        record = document_from_myob(row, kind, rates=rates, currency=currency)
    return RemoteChange(kind=kind, remote_id=record.remote_id, record=record)
