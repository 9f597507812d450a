"""A new QBO sandbox company is seeded like Intuit's own sample company ("Craig's Design and
Landscaping Services"), so code written against a real Intuit sandbox finds what it expects."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import australia, ops
from .preferences import preferences
from .records import by_name, today
from .schema import ENTITIES

# Ids are the ones Intuit's sample company ("Sandbox Company_US_1", Craig's Design and
# Landscaping Services) uses, as its API answers show them: accounts 84 A/R, 35 Checking, 81
# Inventory Asset, 4 Undeposited Funds, 3 Prepaid Expenses, 32 Uncategorized Asset (an account
# query of a real sandbox company), 79 Sales of Product Income, 80 Cost of Goods Sold and 81 in
# Intuit's Item example, 86 Discounts given in its Invoice example, 82 Design income and 45
# Landscaping Services on its items; items 3 Concrete, 4 Design, 6 Gardening, 10 Pest Control;
# customers 1 Amy's Bird Sanctuary, 3 Cool Cars; employees 54 John Johnson, 55 Emily Platt.
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/item
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
# docs/sandbox-quickbooks.md ("The sample company") lists which other ids are ours.
# (id, name, type, sub type)
ACCOUNTS = [
    (1, "Services", "Income", "ServiceFeeIncome"),
    (3, "Prepaid Expenses", "Other Current Asset", "PrepaidExpenses"),
    (4, "Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    (32, "Uncategorized Asset", "Other Current Asset", "OtherCurrentAssets"),
    (35, "Checking", "Bank", "Checking"),
    (36, "Savings", "Bank", "Savings"),
    (45, "Landscaping Services", "Income", "ServiceFeeIncome"),
    (54, "Pest Control Services", "Income", "ServiceFeeIncome"),
    (58, "Job Expenses", "Expense", "OtherMiscellaneousServiceCost"),
    (79, "Sales of Product Income", "Income", "SalesOfProductIncome"),
    (80, "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    (81, "Inventory Asset", "Other Current Asset", "Inventory"),
    (82, "Design income", "Income", "ServiceFeeIncome"),
    (84, "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    (86, "Discounts given", "Income", "DiscountsRefundsGiven"),
    # Where card payments wait until Stripe pays them out, and its fees (docs/payouts.md).
    (87, "Stripe Clearing", "Other Current Asset", "OtherCurrentAssets"),
    (88, "Bank Charges", "Expense", "BankCharges"),
]
# (id, name, income account, unit price, taxable, description)
ITEMS = [
    (1, "Services", "Services", 0, False, ""),
    (2, "Hours", "Services", 0, False, ""),
    (3, "Concrete", "Landscaping Services", 0, True, "Concrete for fountain installation"),
    (4, "Design", "Design income", 75, False, "Custom Design"),
    (6, "Gardening", "Landscaping Services", 0, False, "Weekly Gardening Service"),
    (7, "Installation", "Landscaping Services", 50, False, "Installation of landscape design"),
    (9, "Maintenance & Repair", "Landscaping Services", 0, False, "Maintenance & Repair"),
    (10, "Pest Control", "Pest Control Services", 35, False, "Pest Control Services"),
    (13, "Rocks", "Sales of Product Income", 0, True, "Garden Rocks"),
    (16, "Sprinkler Heads", "Sales of Product Income", 2, True, "Sprinkler Heads"),
    (18, "Trimming", "Landscaping Services", 35, False, "Tree and Shrub Trimming"),
]
SAMPLE_MAIL = "qbwebsamplecompany@yahoo.com"
# (id, display name, given, family, e-mail, phone)
CUSTOMERS = [
    (1, "Amy's Bird Sanctuary", "Amy", "Lauterbach", "Birds@Intuit.com", "(650) 555-3311"),
    (2, "Bill's Windsurf Shop", "Bill", "Lucchini", "Surf@Intuit.com", "(415) 444-6538"),
    (3, "Cool Cars", "Grace", "Pariente", "Cool_Cars@intuit.com", "(415) 555-9933"),
    (4, "Diego Rodriguez", "Diego", "Rodriguez", "Diego@Rodriguez.com", "(650) 555-4477"),
    (5, "Dukes Basketball Camp", "Peter", "Dukes", "Dukes_bball@intuit.com", "(520) 420-5638"),
    (7, "Freeman Sporting Goods", "Sasha", "Tillou", "Sporting_goods@intuit.com", "(650) 555-0987"),
    (12, "Jeff's Jalopies", "Jeff", "Chin", "Jalopies@intuit.com", "(650) 555-8989"),
    (15, "Kookies by Kathy", "Kathy", "Kuplis", SAMPLE_MAIL, "(650) 555-7896"),
    (
        19,
        "Red Rock Diner",
        "Stephanie",
        "Martini",
        "qbwebsamplecompany@yahoo.com",
        "(650) 555-4973",
    ),
    (24, "Sushi by Katsuyuki", "Kaori", "Tsuji", "Sushi@intuit.com", "(505) 570-0147"),
]
EMPLOYEES = [(54, "John", "Johnson"), (55, "Emily", "Platt")]
VENDORS = ["Norton Lumber and Building Materials", "Hicks Hardware", "Books by Bessie"]
# Open and paid invoices, as the sample company has: (customer id, DocNumber, days ago,
# [(item id, qty, unit price)], amount paid by a Payment or None).
INVOICES = [
    (1, "1001", 20, [(6, 4, 27.5), (10, 1, 35)], 145),
    (3, "1002", 15, [(10, 1, 35)], None),
    (4, "1003", 12, [(4, 3, 75), (7, 2, 50)], 100),
    (19, "1004", 6, [(18, 2, 35), (16, 25, 2)], None),
]
# The counters after the seed: new records get ids above every id Intuit's sample company
# hands out (a new account there is 91, a new customer 58 and up).
NEXT_IDS = {"Account": 90, "Item": 19, "Customer": 57, "Employee": 56, "Invoice": 129}
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
    "NZ": [
        ("3", "GST", [("3", "GST on Income", 15)]),
        ("4", "Zero-rated", [("4", "Zero-rated", 0)]),
    ],
}
OTHER_TAX_TABLE = [
    ("3", "Standard", [("3", "Standard (sales)", 10)]),
    ("4", "Zero-rated", [("4", "Zero-rated (sales)", 0)]),
]


def _create(company: SandboxCompany, entity: str, body: dict, record_id: int | None = None):
    # Ids are numbered here and the counters written once at the end: seeding is faster.
    counters = company.settings.setdefault("counters", {})
    if record_id is None:
        record_id = counters.get(f"id:{entity}", 0) + 1
    counters[f"id:{entity}"] = max(record_id, counters.get(f"id:{entity}", 0))
    return ops.create(company, ENTITIES[entity], body, record_id=str(record_id))


def _ref(company: SandboxCompany, entity: str, name: str) -> dict:
    return {"value": by_name(company, entity, name).record_id, "name": name}


def seed_company(company: SandboxCompany) -> None:
    _seed_company_info(company)
    _seed_tax(company)
    for record_id, name, account_type, sub_type in ACCOUNTS:
        body = {"Name": name, "AccountType": account_type, "AccountSubType": sub_type}
        _create(company, "Account", body, record_id)
    for name, method_type in PAYMENT_METHODS:
        _create(company, "PaymentMethod", {"Name": name, "Type": method_type})
    for record_id, name, income, price, taxable, description in ITEMS:
        body = {
            "Name": name,
            "Type": "Service" if price == 0 or not taxable else "NonInventory",
            "IncomeAccountRef": _ref(company, "Account", income),
            "UnitPrice": price,
            "Taxable": taxable and company.country == "US",
            "Description": description,
        }
        _create(company, "Item", body, record_id)
    for record_id, display, given, family, email, phone in CUSTOMERS:
        body = {
            "DisplayName": display,
            "GivenName": given,
            "FamilyName": family,
            "CompanyName": display if given not in display else "",
            "PrimaryEmailAddr": {"Address": email},
            "PrimaryPhone": {"FreeFormNumber": phone},
        }
        _create(company, "Customer", body, record_id)
    for record_id, given, family in EMPLOYEES:
        _create(company, "Employee", {"GivenName": given, "FamilyName": family}, record_id)
    for name in VENDORS:
        _create(company, "Vendor", {"DisplayName": name, "CompanyName": name})
    counters = company.settings["counters"]
    for entity, last in NEXT_IDS.items():
        counters[f"id:{entity}"] = max(last, counters.get(f"id:{entity}", 0))
    _seed_sales(company)
    company.save(update_fields=["settings"])
    # The sample company was made before anyone connected to it: its records are not
    # changes a first change data capture should see.
    SandboxRecord.objects.filter(company=company).update(
        created_at=timezone.now() - SEEDED_BEFORE, updated_at=timezone.now() - SEEDED_BEFORE
    )


SEEDED_BEFORE = timedelta(days=2)


def _seed_sales(company: SandboxCompany) -> None:
    """A few invoices, some paid in full or in part, as the sample company's are."""
    tax_code = None if company.country == "US" else company.settings.get("default_tax_code")
    for customer_id, number, days_ago, lines, paid in INVOICES:
        body_lines = []
        for item_id, qty, price in lines:
            detail = {"ItemRef": {"value": str(item_id)}, "Qty": qty, "UnitPrice": price}
            if tax_code:
                detail["TaxCodeRef"] = {"value": tax_code}
            body_lines.append(
                {
                    "Amount": qty * price,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": detail,
                }
            )
        when = (today() - timedelta(days=days_ago)).isoformat()
        invoice = _create(
            company,
            "Invoice",
            {
                "CustomerRef": {"value": str(customer_id)},
                "DocNumber": number,
                "TxnDate": when,
                "Line": body_lines,
                "EmailStatus": "EmailSent",
            },
        )
        if paid:
            payment = {
                "CustomerRef": {"value": str(customer_id)},
                "TotalAmt": paid,
                "TxnDate": when,
                "DepositToAccountRef": {"value": "4"},
                "PaymentMethodRef": _ref(company, "PaymentMethod", "Check"),
                "Line": [
                    {
                        "Amount": paid,
                        "LinkedTxn": [{"TxnId": invoice.record_id, "TxnType": "Invoice"}],
                    }
                ],
            }
            _create(company, "Payment", payment)


def _tax_codes_of(country: str) -> list[tuple]:
    """(code id, name, description, sales rates, purchase rates) of a country's codes."""
    if country == "AU":
        return australia.TAX_CODES
    table = TAX_TABLES.get(country, OTHER_TAX_TABLE)
    return [(code_id, name, name, rates, []) for code_id, name, rates in table]


def _seed_tax(company: SandboxCompany) -> None:
    if company.country == "US":
        for code, name, taxable in (("TAX", "TAX", True), ("NON", "NON", False)):
            _tax_record(
                company, "TaxCode", code, {"Name": name, "Description": name, "Taxable": taxable}
            )
    codes = _tax_codes_of(company.country)
    for code_id, code_name, description, sales, purchases in codes:
        body = {
            "Name": code_name,
            "Description": description,
            "Taxable": any(percent for _, _, percent in [*sales, *purchases]) or not sales,
            "TaxGroup": True,
            "SalesTaxRateList": {"TaxRateDetail": _tax_rates(company, sales)},
            "PurchaseTaxRateList": {"TaxRateDetail": _tax_rates(company, purchases)},
        }
        _tax_record(company, "TaxCode", code_id, body)
    company.settings["default_tax_code"] = (
        australia.DEFAULT_CODE if company.country == "AU" else codes[0][0]
    )
    company.save(update_fields=["settings"])


def _tax_rates(company: SandboxCompany, rates: list[tuple[str, str, int]]) -> list[dict]:
    """Each rate written once, and the TaxRateDetail list a TaxCode names them by."""
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
    return details


def _tax_record(company: SandboxCompany, entity: str, record_id: str, data: dict) -> None:
    store.record_create(
        company=company,
        entity=entity,
        record_id=record_id,
        data={"Active": True, **data},
        notify=False,
    )


US_ADDRESS = {
    "Line1": "123 Sierra Way",
    "City": "San Pablo",
    "CountrySubDivisionCode": "CA",
    "PostalCode": "87999",
}


def _seed_company_info(company: SandboxCompany) -> None:
    address = {**(australia.ADDRESS if company.country == "AU" else US_ADDRESS)}
    address["Country"] = company.country
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
    prefs = preferences(company)
    store.record_create(
        company=company, entity="Preferences", record_id="1", data=prefs, notify=False
    )
