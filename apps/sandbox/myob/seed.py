"""What a new MYOB company file holds: the tax codes of its country (AU: GST 10 %, FRE, N-T ...;
NZ: GST 15 %, Z, E, N-T), a small chart of accounts with MYOB's numbering (income 4-xxxx, the
Undeposited Funds clearing account 1-1190, 1-1180 Stripe Clearing and 6-1100 Bank Fees for Stripe
payouts), a few customers and service items, like MYOB's
sample company file "Clearwater".
https://developer.myob.com/api/myob-business-api/v2/generalledger/taxcode/ and /account/"""

from __future__ import annotations

from apps.sandbox.models import SandboxCompany

from . import records
from .wire import ref

# (Code, Description, Type, Rate %)
TAX_CODES = {
    "AU": [
        ("GST", "Goods & Services Tax", "GST", 10),
        ("FRE", "GST Free", "GST", 0),
        ("N-T", "Not Reportable", "GST", 0),
        ("CAP", "Capital Acquisitions", "GST", 10),
        ("EXP", "Export Sales", "GST", 0),
        ("INP", "Input Taxed", "InputTaxed", 0),
    ],
    "NZ": [
        ("GST", "Goods & Services Tax", "GST", 15),
        ("Z", "Zero Rated", "GST", 0),
        ("E", "Exempt", "GST", 0),
        ("N-T", "Not Reportable", "GST", 0),
    ],
}
# (DisplayID, Name, Classification, Type, IsHeader)
ACCOUNTS = [
    ("1-0000", "Assets", "Asset", "Bank", True),
    ("1-1110", "Business Cheque Account", "Asset", "Bank", False),
    # Where card payments wait until Stripe pays them out (docs/payouts.md): a bank account,
    # as MYOB's transfers and spend money take only those.
    ("1-1180", "Stripe Clearing", "Asset", "Bank", False),
    ("1-1190", "Undeposited Funds", "Asset", "Bank", False),
    ("1-1200", "Trade Debtors", "Asset", "AccountReceivable", False),
    ("2-1310", "GST Collected", "Liability", "OtherCurrentLiability", False),
    ("2-1330", "GST Paid", "Liability", "OtherCurrentLiability", False),
    ("4-0000", "Income", "Income", "Income", True),
    ("4-1000", "Sales - Services", "Income", "Income", False),
    ("4-2000", "Sales - Parts", "Income", "Income", False),
    ("4-3000", "Call-out Fees", "Income", "Income", False),
    ("5-1000", "Cost of Sales", "CostOfSales", "CostOfSales", False),
    ("6-1000", "Advertising", "Expense", "Expense", False),
    ("6-1100", "Bank Fees", "Expense", "Expense", False),
]
CUSTOMERS = [
    ("Bondi Cafe Group", "accounts@bondicafe.example.com.au", "CUS001", "Sydney", "NSW"),
    ("Harbour Dental", "reception@harbourdental.example.com.au", "CUS002", "Manly", "NSW"),
    ("Coastal Strata Services", "ap@coastalstrata.example.com.au", "CUS003", "Cronulla", "NSW"),
]
# (Number, Name, Description, price ex tax, income account)
ITEMS = [
    ("LABOUR", "Labour (per hour)", "Licensed plumber, per hour", 95.0, "4-1000"),
    ("CALLOUT", "Call-out fee", "Attendance and first half hour on site", 80.0, "4-3000"),
    ("VALVE", "Tempering valve", "Tempering valve, supplied and fitted", 145.0, "4-2000"),
]


def seed_company(company: SandboxCompany) -> None:
    """Called once when the company file is created."""
    codes = {}
    for code, description, kind, rate in TAX_CODES.get(company.country, TAX_CODES["AU"]):
        row = {
            "Code": code,
            "Description": description,
            "Type": kind,
            "Rate": float(rate),
            "IsRateNegative": False,
            "TaxCollectedAccount": None,
            "TaxPaidAccount": None,
        }
        codes[code] = records.create(company, records.TAX_CODE, row).data
    accounts = {}
    for display_id, name, classification, kind, header in ACCOUNTS:
        row = {
            "Name": name,
            "DisplayID": display_id,
            "Classification": classification,
            "Type": kind,
            "Number": int(display_id.replace("-", "")[1:]),
            "Description": "",
            "IsActive": True,
            "IsHeader": header,
            "Level": 1 if header else 2,
            "TaxCode": ref("GeneralLedger/TaxCode", codes["N-T"], "Code"),
            "OpeningBalance": 0.0,
            "CurrentBalance": 0.0,
        }
        accounts[display_id] = records.create(company, records.ACCOUNT, row).data
    gst = codes["GST"]
    for name, email, display_id, city, state in CUSTOMERS:
        row = customer_row(name, email, display_id, gst)
        row["Addresses"][0] |= {"City": city, "State": state, "Country": "Australia"}
        records.create(company, records.CUSTOMER, row)
    for number, name, description, price, income in ITEMS:
        row = {
            "Number": number,
            "Name": name,
            "Description": description,
            "IsActive": True,
            "IsBought": False,
            "IsSold": True,
            "IsInventoried": False,
            "IncomeAccount": ref("GeneralLedger/Account", accounts[income], "Name", "DisplayID"),
            "SellingDetails": {
                "BaseSellingPrice": price,
                "IsTaxInclusive": False,
                "TaxCode": ref("GeneralLedger/TaxCode", gst, "Code"),
            },
        }
        records.create(company, records.ITEM, row)


def customer_row(name: str, email: str, display_id: str, tax_code: dict) -> dict:
    code = ref("GeneralLedger/TaxCode", tax_code, "Code")
    return {
        "CompanyName": name,
        "IsIndividual": False,
        "DisplayID": display_id,
        "IsActive": True,
        "Addresses": [{"Location": 1, "Email": email}],
        "Notes": "",
        "CurrentBalance": 0.0,
        "SellingDetails": {"TaxCode": code, "FreightTaxCode": code},
    }
