"""The Preferences of a new sandbox company: Intuit's sample company's."""

from __future__ import annotations

from apps.sandbox.models import SandboxCompany


def _message(subject: str, kind: str) -> dict:
    return {
        "Subject": f"{subject} from Craig's Design and Landscaping Services",
        "Message": f"Your {kind} is attached.  We appreciate your business.\n\nThank you!",
    }


def preferences(company: SandboxCompany) -> dict:
    """Preferences as Intuit's sample company answers them (the Preferences entity page's
    example): accounting, sales forms, e-mail messages, tax, currency, time tracking.
    https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences
    ``SalesFormsPrefs.CustomTxnNumbers`` is on (numbers are the client's own); the duplicate
    number warning is off, as in a new company (docs/sandbox-quickbooks.md)."""
    us = company.country == "US"
    return {
        "AccountingInfoPrefs": {
            "FirstMonthOfFiscalYear": "January",
            "UseAccountNumbers": False,
            "TaxYearMonth": "January",
            "ClassTrackingPerTxn": False,
            "TrackDepartments": False,
            "TaxForm": "6",
            "CustomerTerminology": "Customers",
            "BookCloseDate": "",
            "DepartmentTerminology": "Location",
            "ClassTrackingPerTxnLine": False,
        },
        "ProductAndServicesPrefs": {
            "ForSales": True,
            "ForPurchase": True,
            "QuantityWithPriceAndRate": True,
            "QuantityOnHand": True,
        },
        "SalesFormsPrefs": {
            "CustomField": [],
            "CustomTxnNumbers": True,
            "AllowDeposit": True,
            "AllowDiscount": True,
            "DefaultDiscountAccount": "86",
            "AllowEstimates": True,
            "EstimateMessage": "Please review the estimate below.  Feel free to contact us if "
            "you have any questions.\nWe look forward to working with you.",
            "ETransactionEnabledStatus": "NotApplicable",
            "ETransactionAttachPDF": False,
            "ETransactionPaymentEnabled": False,
            "IPNSupportEnabled": False,
            "AllowServiceDate": False,
            "AllowShipping": False,
            "DefaultTerms": {"value": "3"},
            "DefaultCustomerMessage": "Thank you for your business and have a great day!",
            "EmailCopyToCompany": False,
            "UsingPriceLevels": False,
            "UsingProgressInvoicing": False,
            "AutoApplyCredit": True,
            "AutoApplyPayments": True,
            "PrintItemWithZeroAmount": True,
        },
        "EmailMessagesPrefs": {
            "InvoiceMessage": _message("Invoice", "invoice"),
            "EstimateMessage": _message("Estimate", "estimate"),
            "SalesReceiptMessage": _message("Sales Receipt", "sales receipt"),
            "StatementMessage": _message("Statement", "statement"),
        },
        "VendorAndPurchasesPrefs": {
            "TrackingByCustomer": True,
            "BillableExpenseTracking": True,
            "POCustomField": [],
        },
        "TimeTrackingPrefs": {
            "UseServices": True,
            "BillCustomers": True,
            "ShowBillRateToAll": False,
            "WorkWeekStartDate": "Monday",
            "MarkTimeEntriesBillable": True,
        },
        "TaxPrefs": {
            "UsingSalesTax": True,
            "PartnerTaxEnabled": us,
            **({"TaxGroupCodeRef": {"value": "2"}} if us else {}),
        },
        "CurrencyPrefs": {
            "HomeCurrency": {"value": company.currency},
            "MultiCurrencyEnabled": False,
        },
        "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
        "OtherPrefs": {
            "NameValue": [
                {
                    "Name": "SalesFormsPrefs.DefaultCustomerMessage",
                    "Value": "Thank you for your business and have a great day!",
                },
                {"Name": "SalesFormsPrefs.DefaultItem", "Value": "1"},
                {"Name": "DTXCopyMemo", "Value": "false"},
                {"Name": "UncategorizedAssetAccountId", "Value": "32"},
                {"Name": "MasterAdminEmailAddress", "Value": "noreply@quickbooks.com"},
                {"Name": "AccountingInfoPrefs.ShowAccountNumbers", "Value": "false"},
                {"Name": "WarnDuplicateDocNum", "Value": "false"},
            ]
        },
    }
