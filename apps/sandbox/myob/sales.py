"""Sale/Invoice and Sale/Quote, Service and Item layouts: bodies checked as MYOB checks them,
and the totals MYOB works out.

https://developer.myob.com/api/myob-business-api/v2/sale/invoice/invoice_service/ and
.../invoice_item/: Number (13, unique among the file's invoices; MYOB numbers it when left out),
Date and Customer required, CustomerPurchaseOrderNumber (255), Comment, ShipToAddress and
JournalMemo (255). A Service line needs Total, Account and TaxCode; an Item line needs
ShipQuantity, Item and TaxCode, its UnitPrice defaulting to the item's selling price and its Total
to ShipQuantity × UnitPrice less DiscountPercent. The item must be one the business sells.
Tax per line: Total × rate / 100 (tax exclusive) or Total × rate / (100 + rate) (IsTaxInclusive).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany

from . import errors, records
from .catalog import income_account
from .checks import Checks
from .contacts import customer_ref
from .credits import balance_of
from .wire import cents, day_time, new_row_version, number, ref

LAYOUTS = ("Service", "Item")
HUNDRED = Decimal(100)


def document_data(
    company: SandboxCompany, entity: str, layout: str, body: dict[str, Any], old: dict | None
) -> dict:
    check = Checks(company, body)
    if check.required("Date") is not None and day_time(body["Date"]) is None:
        check.fail("SerializationError", f"Error converting value {body['Date']!r} to 'DateTime'")
    customer = check.record(records.CUSTOMER, "Customer/UID")
    doc_number = body.get("Number") or (old or {}).get("Number")
    check.length("Number", 13)
    check.length("CustomerPurchaseOrderNumber", 255)
    for path in ("Comment", "ShipToAddress", "JournalMemo"):
        check.length(path, 255)
    if isinstance(doc_number, str) and _number_taken(company, entity, doc_number, old):
        kind = "Invoice" if entity == records.INVOICE else "Quote"
        check.fail("DuplicateValue", f"{kind} number {doc_number} already exists", "Number")
    lines = body.get("Lines")
    if not isinstance(lines, list) or not lines:
        check.fail("Required", "Lines is required")
        lines = []
    inclusive = bool(body.get("IsTaxInclusive", False))
    priced = [_line(check, layout, line, index, inclusive) for index, line in enumerate(lines)]
    check.done()
    return _totals(
        company,
        entity,
        layout,
        body,
        old,
        customer=customer_ref(customer),
        lines=priced,
        doc_number=doc_number,
    )


def _line(check: Checks, layout: str, line: Any, index: int, inclusive: bool) -> dict:
    label = f"Lines[{index}]"
    if not isinstance(line, dict):
        check.fail("SerializationError", f"{label} must be an object")
        return {}
    check.length("Description", 1000, line, f"{label}.Description")
    kind = line.get("Type") or "Transaction"
    if kind != "Transaction":
        return {**line, "Type": kind, "Total": 0.0, "_tax": Decimal(0)}
    tax = check.tax_code("TaxCode/UID", line)
    if layout == "Service":
        total = check.amount("Total", line, f"{label}.Total")
        if check.required("Total", line, f"{label}.Total") is None:
            total = None
        account = income_account(check, "Account/UID", line)
        extra = {"Account": account}
    else:
        total, extra = _item_line(check, line, label)
    rate = tax_rate(check.company, tax)
    amount = total or Decimal(0)
    line_tax = amount * rate / ((HUNDRED + rate) if inclusive else HUNDRED)
    return {
        **line,
        **extra,
        "Type": kind,
        "Total": number(amount),
        "TaxCode": tax,
        "_tax": line_tax,
    }


def tax_rate(company: SandboxCompany, tax: dict | None) -> Decimal:
    code = records.data_of(company, records.TAX_CODE, (tax or {}).get("UID")) or {}
    return Decimal(str(code.get("Rate", 0)))


def _item_line(check: Checks, line: dict, label: str) -> tuple[Decimal | None, dict]:
    item = check.record(records.ITEM, "Item/UID", line)
    quantity = check.amount("ShipQuantity", line, f"{label}.ShipQuantity")
    if check.required("ShipQuantity", line, f"{label}.ShipQuantity") is None:
        quantity = None
    if quantity is not None and quantity < 0:
        # A negative item quantity is refused ("CommonRules_DecimalMinValue", reported on the
        # MYOB .NET SDK's tracker, docs/sandbox-myob.md); a credit has a negative total instead.
        check.fail(
            "CommonRules_DecimalMinValue",
            f"{label}.ShipQuantity must not be less than 0",
            f"{label}.ShipQuantity",
        )
    if item is not None and not item.get("IsSold"):
        check.fail("InvalidValue", f"Item {item['Number']} is not an item you sell", label)
    price = check.amount("UnitPrice", line, f"{label}.UnitPrice")
    if price is None and item is not None:
        price = Decimal(str((item.get("SellingDetails") or {}).get("BaseSellingPrice") or 0))
    discount = check.amount("DiscountPercent", line, f"{label}.DiscountPercent") or Decimal(0)
    total = check.amount("Total", line, f"{label}.Total")
    if total is None and quantity is not None and price is not None:
        total = cents(quantity * price * (HUNDRED - discount) / HUNDRED)
    reference = ref("Inventory/Item", item, "Number", "Name") if item else None
    return total, {
        "Item": reference,
        "UnitPrice": float(price or 0),
        "ShipQuantity": float(quantity or 0),
        "DiscountPercent": float(discount),
    }


def _totals(company, entity, layout, body, old, *, customer, lines, doc_number) -> dict:
    subtotal = sum((Decimal(str(line["Total"])) for line in lines), Decimal(0))
    tax = cents(sum((line.pop("_tax") for line in lines), Decimal(0)))
    inclusive = bool(body.get("IsTaxInclusive", False))
    total = cents(subtotal if inclusive else subtotal + tax)
    for row_id, line in enumerate(lines, start=1):
        line["RowID"] = row_id
        line["RowVersion"] = new_row_version()
    if not doc_number:
        doc_number = f"{store.next_number(company, f'myob:{entity}:number'):08d}"
    data = {
        **(old or {}),
        **body,
        "Number": doc_number,
        "Date": day_time(body["Date"]),
        "Customer": customer,
        "Lines": lines,
        "IsTaxInclusive": inclusive,
        "Subtotal": number(subtotal),
        "TotalTax": number(tax),
        "TotalAmount": number(total),
        "_path": f"{records.path_of(entity)}/{layout}",
    }
    if entity == records.INVOICE:
        data |= {"InvoiceType": layout, **_balance(total, old)}
    else:
        data |= {"QuoteType": layout, "Status": body.get("Status") or "Open"}
    return data


def _balance(total: Decimal, old: dict | None) -> dict:
    """A credit (total below 0) may not fall below what was applied or refunded of it; an
    invoice's total not below what was paid and credited on it."""
    old = old or {}
    kept = {k: old.get(k, 0) for k in ("_paid", "_credited", "_used")}
    figures = balance_of({**kept, "TotalAmount": float(total)})
    taken = Decimal(str(kept["_paid"])) + Decimal(str(kept["_credited"]))
    used = Decimal(str(kept["_used"]))
    if total >= 0:
        wrong = used > 0 or cents(total - taken) < 0
    else:
        wrong = taken > 0 or cents(-total) < used
    if wrong:
        raise errors.refuse(
            "InvalidValue",
            "The sale's total cannot be less than the payments and credit applied to it",
            "TotalAmount",
        )
    return {**kept, **figures}


def _number_taken(company: SandboxCompany, entity: str, value: str, old: dict | None) -> bool:
    mine = (old or {}).get("UID")
    rows = store.records_keyed(company, entity, ("Number",), value)
    return any(row.data.get("Number") == value and row.record_id != mine for row in rows)
