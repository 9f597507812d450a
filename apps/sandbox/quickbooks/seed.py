"""A new QBO sandbox company is seeded like Intuit's own sample company ("Craig's Design and
Landscaping Services"), so code written against a real Intuit sandbox finds what it expects."""

from __future__ import annotations

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany

from . import ops
from .records import by_name, today
from .schema import ENTITIES

ACCOUNTS = [
    ("Checking", "Bank", "Checking"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("Inventory Asset", "Other Current Asset", "Inventory"),
    ("Services", "Income", "ServiceFeeIncome"),
    ("Design income", "Income", "ServiceFeeIncome"),
    ("Landscaping Services", "Income", "ServiceFeeIncome"),
    ("Pest Control Services", "Income", "ServiceFeeIncome"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome"),
    ("Discounts given", "Income", "DiscountsRefundsGiven"),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("Job Expenses", "Expense", "OtherMiscellaneousServiceCost"),
]
# (name, income account, unit price, taxable, description)
ITEMS = [
    ("Services", "Services", 0, False, ""),
    ("Hours", "Services", 0, False, ""),
    ("Design", "Design income", 75, False, "Custom Design"),
    ("Gardening", "Landscaping Services", 0, False, "Weekly Gardening Service"),
    ("Installation", "Landscaping Services", 50, False, "Installation of landscape design"),
    ("Maintenance & Repair", "Landscaping Services", 0, False, "Maintenance & Repair"),
    ("Pest Control", "Pest Control Services", 35, False, "Pest Control Services"),
    ("Trimming", "Landscaping Services", 35, False, "Tree and Shrub Trimming"),
    ("Rocks", "Sales of Product Income", 0, True, "Garden Rocks"),
    ("Sprinkler Heads", "Sales of Product Income", 2, True, "Sprinkler Heads"),
]
CUSTOMERS = [
    ("Amy's Bird Sanctuary", "Amy", "Lauterbach", "Birds@Intuit.com", "(650) 555-3311"),
    ("Bill's Windsurf Shop", "Bill", "Lucchini", "Surf@Intuit.com", "(415) 444-6538"),
    ("Cool Cars", "Grace", "Pariente", "Cool_Cars@intuit.com", "(415) 555-9933"),
    ("Diego Rodriguez", "Diego", "Rodriguez", "Diego@Rodriguez.com", "(650) 555-4477"),
    ("Dukes Basketball Camp", "Peter", "Dukes", "Dukes_bball@intuit.com", "(520) 420-5638"),
    ("Freeman Sporting Goods", "Sasha", "Tillou", "Sporting_goods@intuit.com", "(650) 555-0987"),
    ("Jeff's Jalopies", "Jeff", "Chin", "Jalopies@intuit.com", "(650) 555-8989"),
    ("Kookies by Kathy", "Kathy", "Kuplis", "qbwebsamplecompany@yahoo.com", "(650) 555-7896"),
    ("Red Rock Diner", "Stephanie", "Martini", "qbwebsamplecompany@yahoo.com", "(650) 555-4973"),
    ("Sushi by Katsuyuki", "Kaori", "Tsuji", "Sushi@intuit.com", "(505) 570-0147"),
]
EMPLOYEES = [("Emily", "Platt"), ("John", "Johnson")]
VENDORS = ["Norton Lumber and Building Materials", "Hicks Hardware", "Books by Bessie"]
PAYMENT_METHODS = [
    ("Cash", "NON_CREDIT_CARD"),
    ("Check", "NON_CREDIT_CARD"),
    ("Visa", "CREDIT_CARD"),
    ("MasterCard", "CREDIT_CARD"),
    ("American Express", "CREDIT_CARD"),
    ("Discover", "CREDIT_CARD"),
]
# Sales tax by region: (code id, code name, [(rate id, rate name, percent)]).
TAX_TABLES = {
    "US": [("2", "California", [("1", "California", 8)])],
    "CA": [
        ("3", "GST", [("3", "GST (sales)", 5)]),
        ("4", "HST ON", [("4", "HST (ON) sales", 13)]),
        ("5", "Exempt", [("5", "Exempt (sales)", 0)]),
        ("6", "Zero-rated", [("6", "Zero-rated (sales)", 0)]),
    ],
    "GB": [
        ("3", "20.0% S", [("3", "20.0% S (sales)", 20)]),
        ("4", "5.0% R", [("4", "5.0% R (sales)", 5)]),
        ("5", "0.0% Z", [("5", "0.0% Z (sales)", 0)]),
        ("6", "Exempt", [("6", "Exempt (sales)", 0)]),
    ],
    "AU": [("3", "GST", [("3", "GST (sales)", 10)]), ("4", "GST free", [("4", "GST free", 0)])],
    "NZ": [
        ("3", "GST", [("3", "GST on Income", 15)]),
        ("4", "Zero-rated", [("4", "Zero-rated", 0)]),
    ],
}
OTHER_TAX_TABLE = [
    ("3", "Standard", [("3", "Standard (sales)", 10)]),
    ("4", "Zero-rated", [("4", "Zero-rated (sales)", 0)]),
]


def _create(company: SandboxCompany, entity: str, body: dict) -> None:
    # Ids are numbered here and the counters written once at the end: seeding is faster.
    counters = company.settings.setdefault("counters", {})
    record_id = counters[f"id:{entity}"] = counters.get(f"id:{entity}", 0) + 1
    ops.create(company, ENTITIES[entity], body, record_id=str(record_id))


def _ref(company: SandboxCompany, entity: str, name: str) -> dict:
    return {"value": by_name(company, entity, name).record_id, "name": name}


def seed_company(company: SandboxCompany) -> None:
    _seed_company_info(company)
    _seed_tax(company)
    for name, account_type, sub_type in ACCOUNTS:
        _create(
            company,
            "Account",
            {"Name": name, "AccountType": account_type, "AccountSubType": sub_type},
        )
    for name, method_type in PAYMENT_METHODS:
        _create(company, "PaymentMethod", {"Name": name, "Type": method_type})
    for name, income, price, taxable, description in ITEMS:
        body = {
            "Name": name,
            "Type": "Service" if price == 0 or not taxable else "NonInventory",
            "IncomeAccountRef": _ref(company, "Account", income),
            "UnitPrice": price,
            "Taxable": taxable and company.country == "US",
            "Description": description,
        }
        _create(company, "Item", body)
    for display, given, family, email, phone in CUSTOMERS:
        body = {
            "DisplayName": display,
            "GivenName": given,
            "FamilyName": family,
            "CompanyName": display if given not in display else "",
            "PrimaryEmailAddr": {"Address": email},
            "PrimaryPhone": {"FreeFormNumber": phone},
        }
        _create(company, "Customer", body)
    for given, family in EMPLOYEES:
        _create(company, "Employee", {"GivenName": given, "FamilyName": family})
    for name in VENDORS:
        _create(company, "Vendor", {"DisplayName": name, "CompanyName": name})
    company.save(update_fields=["settings"])


def _seed_tax(company: SandboxCompany) -> None:
    table = TAX_TABLES.get(company.country, OTHER_TAX_TABLE)
    if company.country == "US":
        for code, name, taxable in (("TAX", "TAX", True), ("NON", "NON", False)):
            _tax_record(
                company, "TaxCode", code, {"Name": name, "Description": name, "Taxable": taxable}
            )
    for code_id, code_name, rates in table:
        details = []
        for rate_id, rate_name, percent in rates:
            _tax_record(
                company,
                "TaxRate",
                rate_id,
                {
                    "Name": rate_name,
                    "Description": rate_name,
                    "RateValue": percent,
                    "AgencyRef": {"value": "1"},
                    "SpecialTaxType": "NONE",
                    "DisplayType": "ReadOnly",
                    "EffectiveTaxRate": [{"RateValue": percent, "EffectiveDate": "2014-01-01"}],
                },
            )
            details.append(
                {
                    "TaxRateRef": {"value": rate_id, "name": rate_name},
                    "TaxTypeApplicable": "TaxOnAmount",
                    "TaxOrder": 0,
                }
            )
        body = {
            "Name": code_name,
            "Description": code_name,
            "Taxable": bool(rates[0][2]),
            "TaxGroup": True,
            "SalesTaxRateList": {"TaxRateDetail": details},
            "PurchaseTaxRateList": {"TaxRateDetail": []},
        }
        _tax_record(company, "TaxCode", code_id, body)
    company.settings["default_tax_code"] = table[0][0]
    company.save(update_fields=["settings"])


def _tax_record(company: SandboxCompany, entity: str, record_id: str, data: dict) -> None:
    store.record_create(
        company=company,
        entity=entity,
        record_id=record_id,
        data={"Active": True, **data},
        notify=False,
    )


def _seed_company_info(company: SandboxCompany) -> None:
    address = {
        "Line1": "123 Sierra Way",
        "City": "San Pablo",
        "CountrySubDivisionCode": "CA",
        "PostalCode": "87999",
        "Country": company.country,
    }
    info = {
        "CompanyName": company.name,
        "LegalName": company.name,
        "Country": company.country,
        "CompanyAddr": address,
        "LegalAddr": address,
        "CustomerCommunicationAddr": address,
        "Email": {"Address": "noreply@quickbooks.com"},
        "PrimaryPhone": {"FreeFormNumber": "(650) 555-1234"},
        "CompanyStartDate": today().replace(month=1, day=1).isoformat(),
        "FiscalYearStartMonth": "January",
        "SupportedLanguages": "en",
        "NameValue": [
            {"Name": "PayrollFeature", "Value": str(company.payroll_enabled).lower()},
            {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
        ],
    }
    store.record_create(
        company=company, entity="CompanyInfo", record_id="1", data=info, notify=False
    )
    prefs = {
        "CurrencyPrefs": {
            "HomeCurrency": {"value": company.currency},
            "MultiCurrencyEnabled": False,
        },
        "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": company.country == "US"},
        "SalesFormsPrefs": {
            "CustomTxnNumbers": True,
            "AllowDiscount": True,
            "DefaultTerms": {"value": "3"},
        },
        "TimeTrackingPrefs": {
            "UseServices": True,
            "BillCustomers": True,
            "ShowBillRateToAll": False,
        },
        "OtherPrefs": {"NameValue": [{"Name": "SalesFormsPrefs.DefaultItem", "Value": "1"}]},
    }
    store.record_create(
        company=company, entity="Preferences", record_id="1", data=prefs, notify=False
    )
