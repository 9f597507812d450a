"""Line items of invoices and quotes, priced the way Xero prices them.

Each line's amount is Quantity x UnitAmount less its DiscountRate, rounded to the cent; its tax
is computed on that amount with the rate of its TaxType, "on top" for Exclusive lines and
"inside" for Inclusive ones.
https://developer.xero.com/documentation/api/accounting/types#line-amount-types
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from apps.common.money import HUNDRED, ZERO, round_money, round_places
from apps.sandbox.models import SandboxCompany

from . import entities
from .errors import Invalid
from .formats import is_guid, money, new_guid, parse_decimal
from .seed import no_tax_type, sales_tax_type

EXCLUSIVE, INCLUSIVE, NO_TAX = "Exclusive", "Inclusive", "NoTax"
# Xero keeps 4 decimals on a quantity; a unit amount keeps 2 unless the request opts in to 4
# with ``unitdp=4``.
# https://developer.xero.com/documentation/api/accounting/invoices (unitdp query parameter)
QUANTITY_PLACES = 4
_unit_places: ContextVar[int] = ContextVar("xero_unit_places", default=2)


@contextmanager
def unit_places(unitdp: str | None) -> Iterator[None]:
    """Unit amounts to 4 decimals for the length of a request that asked ``unitdp=4``."""
    token = _unit_places.set(4 if (unitdp or "").strip() == "4" else 2)
    try:
        yield
    finally:
        _unit_places.reset(token)


_AMOUNT_TYPES = {"exclusive": EXCLUSIVE, "inclusive": INCLUSIVE, "notax": NO_TAX, "none": NO_TAX}


@dataclass
class Priced:
    lines: list[dict[str, Any]]
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal


def amount_type(value: object) -> str:
    """Xero's LineAmountTypes from any spelling clients use (``Exclusive``, ``EXCLUSIVE`` ...)."""
    if value is None:
        return EXCLUSIVE
    found = _AMOUNT_TYPES.get(str(value).lower()) if isinstance(value, str) else None
    if found is None:
        raise Invalid(f"LineAmountTypes '{value}' is not one of Exclusive, Inclusive, NoTax.")
    return found


def price_lines(
    company: SandboxCompany, raw_lines: list[dict[str, Any]], amounts: str, *, posted: bool
) -> Priced:
    """Every line checked and priced. ``posted`` documents (not drafts) need an account code
    on every line, as Xero asks for one before approving."""
    rates = entities.tax_rates(company)
    problems: list[str] = []
    lines: list[dict[str, Any]] = []
    for raw in raw_lines:
        try:
            lines.append(_price_line(company, raw, amounts, rates, posted=posted))
        except Invalid as refused:
            problems.extend(refused.messages)
    if problems:
        raise Invalid(*problems)
    line_total = sum((Decimal(str(line["LineAmount"])) for line in lines), ZERO)
    total_tax = sum((Decimal(str(line["TaxAmount"])) for line in lines), ZERO)
    sub_total = line_total - total_tax if amounts == INCLUSIVE else line_total
    return Priced(
        lines, round_money(sub_total), round_money(total_tax), round_money(sub_total + total_tax)
    )


def _price_line(
    company: SandboxCompany,
    raw: dict[str, Any],
    amounts: str,
    rates: dict[str, dict[str, Any]],
    *,
    posted: bool,
) -> dict[str, Any]:
    item = entities.item_by_code(company, raw["ItemCode"]) if raw.get("ItemCode") else None
    if raw.get("ItemCode") and item is None:
        raise Invalid(f"Item code '{raw['ItemCode']}' is not valid.")
    sales = (item or {}).get("SalesDetails", {})
    description = raw.get("Description") or (item or {}).get("Description") or ""
    quantity = parse_decimal(raw.get("Quantity", 1))
    unit = parse_decimal(raw.get("UnitAmount", sales.get("UnitPrice", 0)))
    discount = parse_decimal(raw.get("DiscountRate", 0))
    if quantity is None or unit is None or discount is None:
        raise Invalid("Quantity, UnitAmount and DiscountRate must be numbers.")
    if "UnitAmount" not in raw and "LineAmount" in raw and quantity:
        # A line given only as a total: Xero derives the unit price from it.
        unit = (parse_decimal(raw["LineAmount"]) or ZERO) / quantity
    if not ZERO <= discount <= HUNDRED:
        raise Invalid("DiscountRate must be between 0 and 100.")
    quantity, unit = round_places(quantity, QUANTITY_PLACES), round_places(unit, _unit_places.get())
    if not description and not item:
        raise Invalid("Description is required for a line item without an item code.")
    account = _line_account(company, raw, sales)
    if posted and account is None:
        raise Invalid("Account code '' is not a valid code for this document.")
    tax_type = _tax_type(company, raw, amounts, account, sales, rates)
    if account is not None and not tax_applies_to(rates[tax_type], account):
        # Each tax rate says which classes of account it may be used on (CanApplyToRevenue ...).
        # Xero's words: XeroAPI/Xero-Java#336.
        raise Invalid(
            f"The TaxType code '{tax_type}' cannot be used with account code "
            f"'{account.get('Code') or account['AccountID']}'."
        )
    rate = Decimal(str(rates.get(tax_type, {}).get("EffectiveRate", 0)))
    line_amount = round_money(quantity * unit * (HUNDRED - discount) / HUNDRED)
    if amounts == EXCLUSIVE:
        tax = round_money(line_amount * rate / HUNDRED)
    elif amounts == INCLUSIVE:
        tax = round_money(line_amount - line_amount * HUNDRED / (HUNDRED + rate))
    else:
        tax = ZERO
    if raw.get("TaxAmount") not in (None, "") and amounts != NO_TAX:
        # "This value can be overriden if the calculated <TaxAmount> is not correct."
        # https://developer.xero.com/documentation/api/accounting/invoices (LineItems)
        given = parse_decimal(raw["TaxAmount"])
        if given is None:
            raise Invalid("TaxAmount must be a number.")
        tax = round_money(given)
    line: dict[str, Any] = {
        "LineItemID": raw["LineItemID"].lower() if is_guid(raw.get("LineItemID")) else new_guid(),
        "Description": description,
        "Quantity": float(quantity),
        "UnitAmount": float(unit),
        "TaxType": tax_type,
        "TaxAmount": money(tax),
        "LineAmount": money(line_amount),
        "Tracking": raw.get("Tracking") or [],
    }
    if account is not None:
        line["AccountCode"] = account.get("Code", "")
        line["AccountID"] = account["AccountID"]
    if item:
        line["ItemCode"] = item["Code"]
        line["Item"] = {
            "ItemID": item["ItemID"],
            "Code": item["Code"],
            "Name": item.get("Name", ""),
        }
    if discount:
        line["DiscountRate"] = float(discount)
    return line


def _line_account(
    company: SandboxCompany, raw: dict[str, Any], sales: dict[str, Any]
) -> dict[str, Any] | None:
    """The line's account: by AccountCode (the item's sales account when none is given), or by
    AccountID, which a line item may carry instead (the LineItem schema of Xero's OpenAPI
    description); an account without a code (a bank account may have none) is named only so."""
    code = raw.get("AccountCode") or ""
    if not code and raw.get("AccountID"):
        found = entities.get(company, entities.ACCOUNTS, raw["AccountID"])
        if found is None:
            raise Invalid(
                f"Account ID '{raw['AccountID']}' is not a valid account for this document."
            )
        return found.data
    code = code or sales.get("AccountCode") or ""
    account = entities.account_by_code(company, code) if code else None
    if code and account is None:
        raise Invalid(f"Account code '{code}' is not a valid code for this document.")
    return account


_CLASS_FLAGS = {
    "ASSET": "CanApplyToAssets",
    "EQUITY": "CanApplyToEquity",
    "EXPENSE": "CanApplyToExpenses",
    "LIABILITY": "CanApplyToLiabilities",
    "REVENUE": "CanApplyToRevenue",
}


def tax_applies_to(rate: dict[str, Any], account: dict[str, Any]) -> bool:
    flag = _CLASS_FLAGS.get(str(account.get("Class", "")).upper())
    return flag is None or rate.get(flag, True) is not False


def _tax_type(
    company: SandboxCompany,
    raw: dict[str, Any],
    amounts: str,
    account: dict[str, Any] | None,
    sales: dict[str, Any],
    rates: dict[str, dict[str, Any]],
) -> str:
    if amounts == NO_TAX:
        return no_tax_type(company.country)
    chosen = (
        raw.get("TaxType")
        or (account or {}).get("TaxType")
        or sales.get("TaxType")
        or sales_tax_type(company.country)
    )
    if chosen not in rates:
        raise Invalid(
            f"The TaxType code '{chosen}' does not exist or cannot be used for this type of "
            "transaction."
        )
    return chosen
