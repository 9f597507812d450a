"""TimeActivity (needs QuickBooks Payroll for employees) and Deposit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.sandbox.models import SandboxCompany

from . import faults
from .records import dec, follow, money, today
from .sales import currency_ref

BILLABLE_STATUSES = {"Billable", "NotBillable", "HasBeenBilled"}


def prepare_time_activity(company: SandboxCompany, data: dict[str, Any], previous) -> None:
    name_of = data.get("NameOf") or (
        "Employee" if "EmployeeRef" in data else "Vendor" if "VendorRef" in data else ""
    )
    if name_of not in ("Employee", "Vendor"):
        raise faults.required("NameOf")
    data["NameOf"] = name_of
    if name_of == "Employee":
        if not company.payroll_enabled:
            raise faults.business(
                "Time activities for employees need QuickBooks Payroll, which is not turned on "
                "for this company. Turn on Payroll or record the time against a vendor."
            )
        follow(company, "Employee", data.get("EmployeeRef"), "EmployeeRef")
    else:
        follow(company, "Vendor", data.get("VendorRef"), "VendorRef")
    for ref_field, entity in (("CustomerRef", "Customer"), ("ItemRef", "Item")):
        if ref_field in data:
            follow(company, entity, data[ref_field], ref_field)
    has_span = "StartTime" in data and "EndTime" in data
    if not has_span and not data.get("Hours") and not data.get("Minutes"):
        raise faults.required("Hours")
    status = data.get("BillableStatus") or "NotBillable"
    if status not in BILLABLE_STATUSES:
        raise faults.invalid_property(
            f"Property Name:BillableStatus value {status} specified is unsupported or invalid",
            "BillableStatus",
        )
    if status == "Billable" and "CustomerRef" not in data:
        raise faults.required("CustomerRef")
    data["BillableStatus"] = status
    data.setdefault("TxnDate", today().isoformat())
    data.setdefault("Taxable", False)


# "DepositToAccountRef ... where Account.AccountType=Other Current Asset or Bank" (required);
# each line is a DepositLineDetail (AccountRef required) or a LinkedTxn; TotalAmt is the sum of
# the lines, worked out by QuickBooks.
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/deposit
DEPOSIT_TO_TYPES = ("Bank", "Other Current Asset")


def prepare_deposit(company: SandboxCompany, data: dict[str, Any], previous) -> None:
    target = follow(company, "Account", data.get("DepositToAccountRef"), "DepositToAccountRef")
    if target.data.get("AccountType") not in DEPOSIT_TO_TYPES:
        raise faults.invalid_property(
            "Property Name:DepositToAccountRef must be a Bank or Other Current Asset account "
            f"({target.data.get('Name')} is {target.data.get('AccountType')})",
            "DepositToAccountRef",
        )
    lines = data.get("Line") or []
    if not lines:
        raise faults.required("Line")
    total = Decimal(0)
    for number, line in enumerate(lines, start=1):
        if "Amount" not in line:
            raise faults.required("Line.Amount")
        detail = line.get("DepositLineDetail")
        if detail is None and not line.get("LinkedTxn"):
            raise faults.required("DepositLineDetail")
        if detail is not None:
            follow(company, "Account", detail.get("AccountRef"), "DepositLineDetail.AccountRef")
        line["Amount"] = money(line["Amount"])
        line.setdefault("DetailType", "DepositLineDetail")
        line["Id"], line["LineNum"] = str(number), number
        total += dec(line["Amount"])
    data["TotalAmt"] = money(total)
    data.setdefault("TxnDate", today().isoformat())
    data["CurrencyRef"] = currency_ref(company)
