"""What a new Xero organisation holds before anyone touches it: the tax rates of its country,
a small chart of accounts (sales is "200", the bank account "090"), a few contacts and items,
like the demo company Xero gives every developer."""

from __future__ import annotations

from decimal import Decimal

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany

from .entities import ACCOUNTS, CONTACTS, ITEMS, TAX_RATES
from .formats import new_guid

# An Australian organisation's rates, in the order and with the names of Xero's Australian
# tax types (https://developer.xero.com/documentation/api/accounting/types#tax-types, and the
# TaxType enum of xero_accounting.yaml, which lists them first): GST on Income (OUTPUT) at 10 %,
# GST Free Income (EXEMPTOUTPUT), BAS Excluded (BASEXCLUDED) ... An Australian organisation has
# no "No Tax" (NONE): what is outside GST is BAS Excluded.
AU_RATES = [
    ("OUTPUT", "GST on Income", "10.00"),
    ("INPUT", "GST on Expenses", "10.00"),
    ("CAPEXINPUT", "GST on Capital", "10.00"),
    ("EXEMPTEXPORT", "GST Free Exports", "0.00"),
    ("EXEMPTEXPENSES", "GST Free Expenses", "0.00"),
    ("EXEMPTCAPITAL", "GST Free Capital", "0.00"),
    ("EXEMPTOUTPUT", "GST Free Income", "0.00"),
    ("INPUTTAXED", "Input Taxed", "0.00"),
    ("BASEXCLUDED", "BAS Excluded", "0.00"),
    ("GSTONCAPIMPORTS", "GST on Capital Imports", "0.00"),
    ("GSTONIMPORTS", "GST on Imports", "0.00"),
]
# Where a rate may be used and how it is reported, for the types whose name does not say it
# (xero_accounting.yaml's GET TaxRates example: GSTONIMPORTS only on liabilities, reported as
# itself; ReportTaxType's enum names EXEMPTOUTPUT, BASEXCLUDED, INPUTTAXED ... as report types).
_REPORT_AS_ITSELF = {
    "EXEMPTEXPORT",
    "EXEMPTEXPENSES",
    "EXEMPTCAPITAL",
    "EXEMPTOUTPUT",
    "INPUTTAXED",
    "BASEXCLUDED",
    "GSTONCAPIMPORTS",
    "GSTONIMPORTS",
    "NONE",
}
_PURCHASES_ONLY = {"CAPEXINPUT", "EXEMPTEXPENSES", "EXEMPTCAPITAL"}
_LIABILITIES_ONLY = {"GSTONCAPIMPORTS", "GSTONIMPORTS"}

# (TaxType, Name, rate %) per country; Xero names its rates after the local tax.
_RATES: dict[str, list[tuple[str, str, str]]] = {
    "US": [("OUTPUT", "Tax on Sales", "8.25"), ("INPUT", "Tax on Purchases", "8.25")],
    "CA": [("OUTPUT", "GST on Sales", "5.00"), ("INPUT", "GST on Purchases", "5.00")],
    "AU": AU_RATES,
    "NZ": [
        ("OUTPUT2", "15% GST on Income", "15.00"),
        ("INPUT2", "15% GST on Expenses", "15.00"),
        ("ZERORATED", "Zero Rated", "0.00"),
    ],
    "GB": [
        ("OUTPUT2", "20% (VAT on Income)", "20.00"),
        ("INPUT2", "20% (VAT on Expenses)", "20.00"),
        ("ZERORATEDOUTPUT", "Zero Rated Income", "0.00"),
    ],
}
_OTHER_RATES = [("OUTPUT", "Tax on Sales", "15.00"), ("INPUT", "Tax on Purchases", "15.00")]
_NO_TAX = ("NONE", "No Tax", "0.00")

# (Code, Name, Type, extra fields)
_ACCOUNTS: list[tuple[str, str, str, dict]] = [
    ("090", "Business Bank Account", "BANK", {"BankAccountNumber": "0123456789"}),
    # Where card payments wait until Stripe pays them out (docs/payouts.md).
    ("091", "Stripe Clearing", "BANK", {"BankAccountNumber": "STRIPE"}),
    ("200", "Sales", "REVENUE", {}),
    ("260", "Other Revenue", "REVENUE", {}),
    ("400", "Advertising", "EXPENSE", {}),
    ("404", "Bank Fees", "EXPENSE", {}),
    ("610", "Accounts Receivable", "CURRENT", {"SystemAccount": "DEBTORS"}),
    ("800", "Accounts Payable", "CURRLIAB", {"SystemAccount": "CREDITORS"}),
    ("820", "Sales Tax", "CURRLIAB", {"SystemAccount": "GST"}),
]
_CLASSES = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "REVENUE": "REVENUE",
    "EXPENSE": "EXPENSE",
    "CURRLIAB": "LIABILITY",
}

_CONTACTS = [
    ("Bayside Club", "Bayside", "Club", "secretary@bayside.example.com"),
    ("Marine Systems", "Hamish", "Burns", "accounts@marinesystems.example.com"),
    ("Ridgeway University", "Ridge", "Way", "finance@ridgeway.example.com"),
]
_ITEMS = [
    ("LABOUR", "Labour (per hour)", "Skilled labour, per hour", "85.00"),
    ("CALLOUT", "Call-out fee", "Attendance and first half hour on site", "60.00"),
    ("FILTER", "Replacement filter", "Standard replacement filter, fitted", "24.50"),
]


def sales_tax_type(country: str) -> str:
    """The tax type new sales lines get when the client names none."""
    return _RATES.get(country, _OTHER_RATES)[0][0]


def no_tax_type(country: str) -> str:
    """The tax type of what is outside the tax: BAS Excluded in Australia, else No Tax."""
    return "BASEXCLUDED" if country == "AU" else "NONE"


def tax_rate_scope(report_tax_type: str) -> dict[str, bool]:
    """Where a rate may be used: a rate on sales (OUTPUT...) not on expense accounts, one on
    purchases (INPUT...) not on revenue accounts, as in Xero's own example of GET TaxRates
    (xero_accounting.yaml: "15% GST on Expenses", INPUT2, CanApplyToRevenue false; "GST on
    Imports" on liabilities only)."""
    kind = report_tax_type.upper()
    if kind in _LIABILITIES_ONLY:
        return {
            "CanApplyToAssets": False,
            "CanApplyToEquity": False,
            "CanApplyToExpenses": False,
            "CanApplyToLiabilities": True,
            "CanApplyToRevenue": False,
        }
    return {
        "CanApplyToAssets": True,
        "CanApplyToEquity": True,
        "CanApplyToExpenses": not (kind.startswith("OUTPUT") or kind.endswith("OUTPUT")),
        "CanApplyToLiabilities": True,
        "CanApplyToRevenue": not (kind.startswith("INPUT") and kind != "INPUTTAXED")
        and kind not in _PURCHASES_ONLY,
    }


def _report_tax_type(tax_type: str) -> str:
    if tax_type in _REPORT_AS_ITSELF:
        return tax_type
    return "OUTPUT" if tax_type.startswith("OUTPUT") else "INPUT"


def tax_rate_rows(country: str) -> list[dict]:
    rates = _RATES.get(country, _OTHER_RATES)
    rows = []
    for tax_type, name, rate in rates if country == "AU" else [*rates, _NO_TAX]:
        rows.append(
            {
                "Name": name,
                "TaxType": tax_type,
                "ReportTaxType": _report_tax_type(tax_type),
                **tax_rate_scope(tax_type),
                "DisplayTaxRate": float(Decimal(rate)),
                "EffectiveRate": float(Decimal(rate)),
                "Status": "ACTIVE",
                "TaxComponents": [
                    {
                        "Name": name,
                        "Rate": float(Decimal(rate)),
                        "IsCompound": False,
                        "IsNonRecoverable": False,
                    }
                ],
            }
        )
    return rows


def seed_company(company: SandboxCompany) -> None:
    """Called once when the organisation is created. No webhooks: nothing "changed" yet."""
    country = company.country
    for row in tax_rate_rows(country):
        _put(company, TAX_RATES, row["TaxType"], row)
    sales_tax = sales_tax_type(country)
    for code, name, kind, extra in _ACCOUNTS:
        account_id = new_guid()
        row = {
            "AccountID": account_id,
            "Code": code,
            "Name": name,
            "Type": kind,
            "Status": "ACTIVE",
            "TaxType": sales_tax if kind == "REVENUE" else no_tax_type(country),
            "Class": _CLASSES[kind],
            "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": False,
            "CurrencyCode": company.currency,
            "ReportingCode": _CLASSES[kind][:3],
            "HasAttachments": False,
            "AddToWatchlist": False,
            **({"BankAccountType": "BANK"} if kind == "BANK" else {}),
            **extra,
        }
        _put(company, ACCOUNTS, account_id, row)
    for name, first, last, email in _CONTACTS:
        contact_id = new_guid()
        row = {
            "ContactID": contact_id,
            "ContactStatus": "ACTIVE",
            "Name": name,
            "FirstName": first,
            "LastName": last,
            "EmailAddress": email,
            "Addresses": [],
            "Phones": [],
            "ContactPersons": [],
            "IsSupplier": False,
            "IsCustomer": True,
            "HasAttachments": False,
            "HasValidationErrors": False,
        }
        _put(company, CONTACTS, contact_id, row)
    for code, name, description, price in _ITEMS:
        item_id = new_guid()
        row = {
            "ItemID": item_id,
            "Code": code,
            "Name": name,
            "Description": description,
            "IsSold": True,
            "IsPurchased": False,
            "IsTrackedAsInventory": False,
            "SalesDetails": {
                "UnitPrice": float(Decimal(price)),
                "AccountCode": "200",
                "TaxType": sales_tax,
            },
        }
        _put(company, ITEMS, item_id, row)


def _put(company: SandboxCompany, entity: str, record_id: str, data: dict) -> None:
    store.record_create(
        company=company, entity=entity, record_id=record_id, data=data, notify=False
    )
