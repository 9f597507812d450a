"""Items, accounts and tax rates: the records documents refer to.

https://developer.xero.com/documentation/api/accounting/items
https://developer.xero.com/documentation/api/accounting/accounts
https://developer.xero.com/documentation/api/accounting/taxrates
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany

from . import entities
from .errors import Invalid
from .formats import new_guid, parse_decimal
from .kinds import Kind, choice, merged
from .seed import no_tax_type, tax_rate_scope

ACCOUNT_TYPES = (
    "BANK CURRENT CURRLIAB DEPRECIATN DIRECTCOSTS EQUITY EXPENSE FIXED INVENTORY LIABILITY "
    "NONCURRENT OTHERINCOME OVERHEADS PREPAYMENT REVENUE SALES TERMLIAB PAYG"
).split()
_CLASS_OF = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "EQUITY": "EQUITY",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
    "OTHERINCOME": "REVENUE",
}


class ItemKind(Kind):
    entity = entities.ITEMS
    id_field = "ItemID"
    shape = "Item"
    natural_keys = ("Code",)

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        data = merged(current or _new_item(element), element, "ItemID")
        code = str(data.get("Code") or "").strip()
        if not code:
            raise Invalid("Item Code must be specified.")
        if entities.taken_by_another(company, entities.ITEMS, "Code", code, data["ItemID"]):
            raise Invalid(f"Item code '{code}' already exists.")
        data["Code"] = code
        rates = entities.tax_rates(company)
        for details in ("SalesDetails", "PurchaseDetails"):
            _check_details(company, data.get(details) or {}, rates)
        return data


def _new_item(element: dict[str, Any]) -> dict[str, Any]:
    return {
        "ItemID": new_guid(),
        "IsSold": bool(element.get("SalesDetails")),
        "IsPurchased": bool(element.get("PurchaseDetails")),
        "IsTrackedAsInventory": False,
    }


def _check_details(company: SandboxCompany, details: dict, rates: dict) -> None:
    code = details.get("AccountCode")
    if code and entities.account_by_code(company, code) is None:
        raise Invalid(f"Account code '{code}' is not a valid code.")
    if details.get("TaxType") and details["TaxType"] not in rates:
        raise Invalid(f"The TaxType code '{details['TaxType']}' does not exist.")


class AccountKind(Kind):
    entity = entities.ACCOUNTS
    id_field = "AccountID"
    shape = "Account"
    natural_keys = ("Code",)

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        new = {"AccountID": new_guid(), "Status": "ACTIVE", "HasAttachments": False}
        data = merged(current or new, element, "AccountID", "Class", "SystemAccount")
        data["Type"] = choice(data.get("Type"), tuple(ACCOUNT_TYPES), "Type")
        data["Class"] = _CLASS_OF.get(data["Type"], "EXPENSE")
        data["Status"] = choice(data.get("Status"), ("ACTIVE", "ARCHIVED", "DELETED"), "Status")
        problems = []
        for field in ("Code", "Name"):
            value = str(data.get(field) or "").strip()
            if not value or entities.taken_by_another(
                company, entities.ACCOUNTS, field, value, data["AccountID"]
            ):
                problems.append(f"Please enter a unique {field}.")
        if problems:
            raise Invalid(*problems)
        data.setdefault("TaxType", no_tax_type(company.country))
        data.setdefault("CurrencyCode", company.currency)
        return data


class TaxRateKind(Kind):
    entity = entities.TAX_RATES
    id_field = "TaxType"
    shape = "TaxRate"
    natural_keys = ("Name",)

    def build(
        self, company: SandboxCompany, element: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        data = merged(current or {"Status": "ACTIVE"}, element, "TaxType")
        if not str(data.get("Name") or "").strip():
            raise Invalid("Name is required.")
        components = data.get("TaxComponents") or []
        rates = [parse_decimal(c.get("Rate")) for c in components]
        if not components or any(rate is None or rate < 0 for rate in rates):
            raise Invalid("At least one TaxComponent with a Rate of 0 or more is required.")
        total = float(sum(rates, Decimal(0)))
        data["TaxType"] = data.get("TaxType") or _next_tax_type(company)
        data.update(DisplayTaxRate=total, EffectiveRate=total)
        for flag, allowed in tax_rate_scope(str(data.get("ReportTaxType") or "")).items():
            data.setdefault(flag, allowed)
        return data

    def present(self, company: SandboxCompany, record) -> dict[str, Any]:
        # Tax rates carry no UpdatedDateUTC in Xero.
        return dict(record.data)


def _next_tax_type(company: SandboxCompany) -> str:
    return f"TAX{store.next_number(company, 'xero:TaxType'):03d}"
