"""Inventory/Item (written by clients) and the reference lists they read: GeneralLedger/TaxCode
and GeneralLedger/Account.

Item rules (https://developer.myob.com/api/myob-business-api/v2/inventory/item/): Number (30)
and Name (30) required, Number unique in the company file, Description (255); a sold item
(IsSold) needs an IncomeAccount, which must be an income account (Classification Income or
OtherIncome, not a header), and its SellingDetails.TaxCode must exist.
"""

from __future__ import annotations

from typing import Any

from apps.sandbox.models import SandboxCompany

from . import records
from .checks import Checks
from .wire import ref

INCOME = ("Income", "OtherIncome")


def income_account(check: Checks, path: str, source: dict | None = None) -> dict | None:
    """An account a sale may be credited to: it exists and is a detail (not header) account."""
    account = check.record(records.ACCOUNT, path, source)
    if account is None:
        return None
    if account.get("IsHeader"):
        check.fail("InvalidValue", f"Account {account['DisplayID']} is a header account", path)
    return ref("GeneralLedger/Account", account, "Name", "DisplayID")


def item_data(company: SandboxCompany, body: dict[str, Any], old: dict | None) -> dict:
    check = Checks(company, body)
    number = check.required("Number")
    check.required("Name")
    check.length("Number", 30)
    check.length("Name", 30)
    check.length("Description", 255)
    if isinstance(number, str) and _number_taken(company, number, old):
        check.fail("DuplicateValue", f"Item number {number} is already used", "Number")
    sold = body.get("IsSold", True) is not False
    income = None
    if sold:
        income = income_account(check, "IncomeAccount/UID")
        account = records.data_of(company, records.ACCOUNT, check.value("IncomeAccount/UID"))
        if account and account.get("Classification") not in INCOME:
            check.fail(
                "InvalidValue",
                f"Account {account['DisplayID']} is not an income account",
                "IncomeAccount",
            )
    selling = dict(body.get("SellingDetails") or {})
    tax = check.tax_code("SellingDetails/TaxCode/UID", required=sold)
    check.amount("SellingDetails/BaseSellingPrice")
    check.done()
    return {
        **(old or {}),
        **body,
        "IsActive": body.get("IsActive", True) is not False,
        "IsSold": sold,
        "IncomeAccount": income,
        "SellingDetails": {**selling, "TaxCode": tax},
    }


def _number_taken(company: SandboxCompany, number: str, old: dict | None) -> bool:
    mine = (old or {}).get("UID")
    return any(
        row.get("Number", "").casefold() == number.casefold() and row["UID"] != mine
        for row in records.all_data(company, records.ITEM)
    )
