"""Name lists: customers, vendors, employees (DisplayName unique across the three, 6240),
items, accounts and payment methods (Name unique within the list)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import faults, rules
from .records import follow
from .schema import NAME_SHARING

ITEM_TYPES = {"Service", "Inventory", "NonInventory", "Group", "Category"}
ACCOUNT_CLASSIFICATION = {
    "Bank": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Receivable": "Asset",
    "Equity": "Equity",
    "Expense": "Expense",
    "Other Expense": "Expense",
    "Cost of Goods Sold": "Expense",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Long Term Liability": "Liability",
    "Other Current Liability": "Liability",
    "Income": "Revenue",
    "Other Income": "Revenue",
}
PAYMENT_METHOD_TYPES = {"CREDIT_CARD", "NON_CREDIT_CARD"}


def _taken(
    company: SandboxCompany,
    entities: tuple[str, ...],
    field: str,
    name: str,
    own: SandboxRecord | None,
) -> bool:
    # One query over the lists sharing the name (Customer, Vendor, Employee), not one each.
    either = Q()
    for entity in entities:
        narrowing = store.key_filter(entity, (field,), [name])
        if narrowing is None:
            raise ValueError(f"{entity} keeps no key of {field}")
        either |= Q(entity=entity) & narrowing
    qs = SandboxRecord.objects.filter(either, company=company, deleted=False)
    if own is not None:
        qs = qs.exclude(pk=own.pk)
    names = qs.values_list(f"data__{field}", flat=True)
    return any(str(other).casefold() == name.casefold() for other in names)


def _display_name(data: dict[str, Any]) -> str:
    name = (data.get("DisplayName") or "").strip()
    if not name:
        parts = [
            data.get(key) for key in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
        ]
        name = " ".join(part.strip() for part in parts if part and part.strip())
    if not name and data.get("CompanyName"):
        name = data["CompanyName"].strip()
    return name


def prepare_party(
    company: SandboxCompany, entity: str, data: dict[str, Any], previous: SandboxRecord | None
) -> None:
    """Customer, Vendor, Employee."""
    name = _display_name(data)
    if not name:
        raise faults.required("DisplayName")
    data["DisplayName"] = name
    rules.check_party(data)
    if _taken(company, NAME_SHARING, "DisplayName", name, previous):
        raise faults.duplicate_name(name)
    data.setdefault("Active", True)
    if not data.get("PrintOnCheckName"):
        data["PrintOnCheckName"] = name
    if entity == "Customer":
        data["FullyQualifiedName"] = name
        data.setdefault("Taxable", company.country == "US")
        data.setdefault("Balance", 0.0)
        data.setdefault("BalanceWithJobs", data["Balance"])
        data.setdefault("Job", False)
        data.setdefault("BillWithParent", False)
        data.setdefault("PreferredDeliveryMethod", "Print")
        data["CurrencyRef"] = {"value": company.currency}
        for ref_field, target in (("PaymentMethodRef", "PaymentMethod"), ("ParentRef", "Customer")):
            if ref_field in data:
                follow(company, target, data[ref_field], ref_field)
    elif entity == "Vendor":
        data.setdefault("Balance", 0.0)
        data["CurrencyRef"] = {"value": company.currency}


def _unique_name(company, entity: str, data: dict[str, Any], previous) -> str:
    name = (data.get("Name") or "").strip()
    if not name:
        raise faults.required("Name")
    if _taken(company, (entity,), "Name", name, previous):
        raise faults.duplicate_name(name, entity.lower())
    data["Name"] = name
    data.setdefault("Active", True)
    return name


def prepare_item(company: SandboxCompany, data: dict[str, Any], previous) -> None:
    name = _unique_name(company, "Item", data, previous)
    data["FullyQualifiedName"] = name
    item_type = data.get("Type") or "Service"
    if item_type not in ITEM_TYPES:
        raise faults.invalid_property(
            f"Property Name:Type value {item_type} specified is unsupported or invalid", "Type"
        )
    data["Type"] = item_type
    if item_type in ("Service", "NonInventory", "Inventory"):
        follow(company, "Account", data.get("IncomeAccountRef"), "IncomeAccountRef")
    if item_type == "Inventory":
        for field in ("AssetAccountRef", "ExpenseAccountRef"):
            follow(company, "Account", data.get(field), field)
        if "QtyOnHand" not in data:
            raise faults.required("QtyOnHand")
        if "InvStartDate" not in data:
            raise faults.required("InvStartDate")
        data["TrackQtyOnHand"] = True
    elif "ExpenseAccountRef" in data:
        follow(company, "Account", data["ExpenseAccountRef"], "ExpenseAccountRef")
    data.setdefault("UnitPrice", 0)
    data.setdefault("Taxable", False)
    if not data.get("Description"):
        data.pop("Description", None)


def prepare_account(company: SandboxCompany, data: dict[str, Any], previous) -> None:
    name = _unique_name(company, "Account", data, previous)
    data["FullyQualifiedName"] = name
    account_type = data.get("AccountType")
    if not account_type:
        raise faults.required("AccountType")
    if account_type not in ACCOUNT_CLASSIFICATION:
        raise faults.invalid_property(
            f"Property Name:AccountType value {account_type} specified is unsupported or invalid",
            "AccountType",
        )
    data["Classification"] = ACCOUNT_CLASSIFICATION[account_type]
    data.setdefault("AccountSubType", account_type.replace(" ", ""))
    data.setdefault("SubAccount", False)
    data.setdefault("CurrentBalance", 0)
    data["CurrencyRef"] = {"value": company.currency}


def prepare_payment_method(company: SandboxCompany, data: dict[str, Any], previous) -> None:
    _unique_name(company, "PaymentMethod", data, previous)
    method_type = data.get("Type") or "NON_CREDIT_CARD"
    if method_type not in PAYMENT_METHOD_TYPES:
        raise faults.invalid_property(
            f"Property Name:Type value {method_type} specified is unsupported or invalid", "Type"
        )
    data["Type"] = method_type
