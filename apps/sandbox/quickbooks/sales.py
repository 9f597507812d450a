"""Invoice, Estimate and SalesReceipt: line amounts, subtotal, discount, tax and totals as QBO
computes them, plus the defaults it fills in (DocNumber, dates, names, currency)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany

from . import faults, rules, tax
from .records import by_name, dec, follow, money, today

CURRENCY_NAMES = {
    "USD": "United States Dollar",
    "CAD": "Canadian Dollar",
    "GBP": "British Pound Sterling",
    "AUD": "Australian Dollar",
    "NZD": "New Zealand Dollar",
    "EUR": "Euro",
}
DUE_DAYS = 30  # the sample company's default terms, Net 30
CHOICES = {
    "EmailStatus": {"NotSet", "NeedToSend", "EmailSent"},
    "PrintStatus": {"NotSet", "NeedToPrint", "PrintComplete"},
    "TxnStatus": {"Pending", "Accepted", "Closed", "Rejected", "Converted"},
    "GlobalTaxCalculation": {"TaxExcluded", "TaxInclusive", "NotApplicable"},
}


def currency_ref(company: SandboxCompany) -> dict[str, str]:
    return {
        "value": company.currency,
        "name": CURRENCY_NAMES.get(company.currency, company.currency),
    }


def _item_line(company: SandboxCompany, line: dict[str, Any]) -> Decimal:
    """Fill one sales line in; returns its amount."""
    detail = line.setdefault("SalesItemLineDetail", {})
    if "ItemRef" not in detail:
        # QBO uses the "Services" item when none is given.
        default = by_name(company, "Item", "Services")
        if default is None:
            raise faults.required("ItemRef")
        detail["ItemRef"] = {"value": default.record_id}
    item = follow(company, "Item", detail["ItemRef"], "ItemRef", listed=True)
    rules.check_line_amount(line)
    qty, price = dec(detail.get("Qty")), dec(detail.get("UnitPrice"))
    amount = dec(line.get("Amount"))
    if not amount and qty and price:
        amount = qty * price
    elif amount and qty and not price:
        detail["UnitPrice"] = float(amount / qty)
    elif amount and price and not qty:
        detail["Qty"] = float(amount / price)
    elif amount and not qty and not price:
        detail["Qty"], detail["UnitPrice"] = 1, float(amount)
    if "Amount" not in line and not amount:
        raise faults.required("Line.Amount")
    for zero_default in ("TaxInclusiveAmt",):
        if not detail.get(zero_default):
            detail.pop(zero_default, None)
    line["Amount"] = money(amount)
    tax.line_tax_code(company, line, bool(item.data.get("Taxable")))
    return Decimal(str(line["Amount"]))


def _discount_line(company: SandboxCompany, line: dict[str, Any], subtotal: Decimal) -> Decimal:
    detail = line.setdefault("DiscountLineDetail", {})
    if detail.get("PercentBased"):
        percent = dec(detail.get("DiscountPercent"))
        amount = subtotal * percent / 100
    else:
        amount = dec(line.get("Amount"))
        detail["PercentBased"] = False
    if "DiscountAccountRef" not in detail:
        account = by_name(company, "Account", "Discounts given")
        if account is not None:
            detail["DiscountAccountRef"] = {"value": account.record_id, "name": "Discounts given"}
    else:
        follow(company, "Account", detail["DiscountAccountRef"], "DiscountAccountRef")
    line["Amount"] = money(amount)
    return Decimal(str(line["Amount"]))


def compute_lines(company: SandboxCompany, data: dict[str, Any], entity: str) -> None:
    """Lines, subtotal, discount, tax and TotalAmt, in place."""
    raw = [
        line for line in data.get("Line") or [] if line.get("DetailType") != "SubTotalLineDetail"
    ]
    sales, discounts, others = [], [], []
    for line in raw:
        # A line with an amount and no DetailType is a sales line for the default item.
        kind = line.get("DetailType") or (
            "SalesItemLineDetail"
            if "SalesItemLineDetail" in line or "Amount" in line
            else "DescriptionOnly"
        )
        line["DetailType"] = kind
        {"SalesItemLineDetail": sales, "DiscountLineDetail": discounts}.get(kind, others).append(
            line
        )
    if not sales and entity != "Estimate":
        raise faults.required("Line")
    subtotal = sum((_item_line(company, line) for line in sales), Decimal(0))
    discount = sum((_discount_line(company, line, subtotal) for line in discounts), Decimal(0))
    tax_amount, detail = _tax(company, data, sales, subtotal, discount)
    lines = (
        sales
        + others
        + [
            {
                "Amount": money(subtotal),
                "DetailType": "SubTotalLineDetail",
                "SubTotalLineDetail": {},
            }
        ]
        + discounts
    )
    for number, line in enumerate(lines, start=1):
        if line["DetailType"] != "SubTotalLineDetail":
            line["Id"] = str(number)
            line["LineNum"] = number
    data["Line"] = lines
    data["TxnTaxDetail"] = detail
    inclusive = data.get("GlobalTaxCalculation") == "TaxInclusive" and not tax.is_us(company)
    total = subtotal - discount + (0 if inclusive else tax_amount)
    rules.check_total(entity, total)
    data["TotalAmt"] = money(total)


def _tax(company, data, sales, subtotal: Decimal, discount: Decimal):
    share = (subtotal - discount) / subtotal if subtotal else Decimal(1)
    if tax.is_us(company):
        data.pop("GlobalTaxCalculation", None)  # US companies have no such setting
        taxable = sum((dec(line["Amount"]) for line in sales if _code(line) == "TAX"), Decimal(0))
        if data.get("ApplyTaxAfterDiscount"):
            taxable *= share
        return tax.us_tax(company, taxable, data.get("TxnTaxDetail"))
    bases: dict[str, Decimal] = {}
    for line in sales:
        bases[_code(line)] = bases.get(_code(line), Decimal(0)) + dec(line["Amount"]) * share
    calculation = data.setdefault("GlobalTaxCalculation", "TaxExcluded")
    return tax.global_tax(company, bases, calculation)


def _code(line: dict[str, Any]) -> str:
    return line["SalesItemLineDetail"]["TaxCodeRef"]["value"]


def fill_defaults(company: SandboxCompany, data: dict[str, Any], entity: str, is_new: bool) -> None:
    """Header fields QBO fills in when they are left out."""
    if entity != "SalesReceipt" or "CustomerRef" in data:
        follow(company, "Customer", data.get("CustomerRef"), "CustomerRef")
    txn_date = date.fromisoformat(data.setdefault("TxnDate", today().isoformat()))
    if entity == "Invoice":
        data.setdefault("DueDate", (txn_date + timedelta(days=DUE_DAYS)).isoformat())
    if entity == "Estimate":
        data.setdefault("TxnStatus", "Pending")
    if not data.get("DocNumber") and is_new:
        data["DocNumber"] = str(store.next_number(company, "DocNumber", start=1001))
    data["CurrencyRef"] = currency_ref(company)
    data.setdefault("EmailStatus", "NotSet")
    data.setdefault("PrintStatus", "NotSet")
    data.setdefault("LinkedTxn", [])
    for field, allowed in CHOICES.items():
        if field in data and data[field] not in allowed:
            raise faults.invalid_property(
                f"Property Name:{field} value {data[field]} specified is unsupported or invalid",
                field,
            )
    if "BillEmail" in data and not (data["BillEmail"] or {}).get("Address"):
        data.pop("BillEmail")
