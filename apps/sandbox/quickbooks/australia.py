"""What a QuickBooks Online Australia company holds that a US one does not: GST tax codes and
an Australian address (docs/sandbox-quickbooks.md, "Australian companies").

QuickBooks Online Australia uses the global (non-US) tax model: every sales line names a
TaxCode, a code is made of TaxRates (the code "GST" of the rate "GST (sales)"), and QuickBooks
works ``TxnTaxDetail.TaxLine`` out per rate, tax-exclusive or tax-inclusive as the document's
``GlobalTaxCalculation`` says.
https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-sales-tax-for-non-us-locales
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/taxcode

A real Australian company's TaxCode query answers system codes such as "Adjustment" (Id 3, no
rates at all) and "BAS-W1" (Id 6, one purchase rate, TaxRate 23) and "BAS-W2" (TaxRate 24):
codes a sales line cannot use, which a client must skip. The other ids are the sandbox's own.
"""

from __future__ import annotations

# (code id, Name, Description, [(rate id, rate name, %)] on sales, the same on purchases).
# The descriptions are the short codes Australian bookkeepers know the codes by (GST, FRE,
# N-T, INP, EXP, CAP, NCG); QuickBooks' own lists show them beside the names.
TAX_CODES = [
    (
        "10",
        "GST",
        "Goods and services tax (GST)",
        [("10", "GST (sales)", 10)],
        [("11", "GST (purchases)", 10)],
    ),
    (
        "11",
        "GST free",
        "GST free (FRE)",
        [("12", "GST free (sales)", 0)],
        [("13", "GST free (purchases)", 0)],
    ),
    (
        "12",
        "Out of scope",
        "Not reportable (N-T)",
        [("14", "Out of scope (sales)", 0)],
        [("15", "Out of scope (purchases)", 0)],
    ),
    (
        "13",
        "Input taxed",
        "Input taxed (INP)",
        [("16", "Input taxed (sales)", 0)],
        [("17", "Input taxed (purchases)", 0)],
    ),
    ("14", "Export", "GST free exports (EXP)", [("18", "Export (sales)", 0)], []),
    ("15", "GST on capital", "GST on capital (CAP)", [], [("19", "GST on capital", 10)]),
    ("16", "GST on non-capital", "GST on non-capital (NCG)", [], [("20", "GST (NCG)", 10)]),
    ("3", "Adjustment", "Adjustment", [], []),
    ("6", "BAS-W1", "BAS-W1", [], [("23", "BAS-W1", 0)]),
    ("7", "BAS-W2", "BAS-W2", [], [("24", "BAS-W2", 0)]),
]
DEFAULT_CODE = "10"

ADDRESS = {
    "Line1": "12 Harbour Street",
    "City": "Sydney",
    "CountrySubDivisionCode": "NSW",
    "PostalCode": "2000",
}
