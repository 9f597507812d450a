"""The fields each Xero record accepts, with their JSON types, as the OpenAPI specification
(xero_accounting.yaml, components/schemas) declares them; ``check_shape`` refuses anything else.

Refs name another shape here ("Contact") or a list of one ("[LineItem]"); "object" and "array"
are accepted as such without looking inside (tracking, attachments, branding ...).
"""

from __future__ import annotations

from typing import Any

from .formats import is_guid, parse_decimal


def _shape(refs: dict[str, str] | None = None, **kinds: str) -> dict[str, str]:
    fields = {name: kind for kind, names in kinds.items() for name in names.split()}
    return {**fields, **(refs or {})}


SHAPES: dict[str, dict[str, str]] = {
    "Contact": _shape(
        uuid="ContactID MergedToContactID",
        string=(
            "ContactNumber AccountNumber ContactStatus Name FirstName LastName CompanyNumber "
            "EmailAddress BankAccountDetails TaxNumber TaxNumberType "
            "AccountsReceivableTaxType AccountsPayableTaxType SalesDefaultLineAmountType "
            "PurchasesDefaultLineAmountType DefaultCurrency XeroNetworkKey "
            "SalesDefaultAccountCode PurchasesDefaultAccountCode TrackingCategoryName "
            "TrackingCategoryOption UpdatedDateUTC Website StatusAttributeString"
        ),
        boolean="IsSupplier IsCustomer HasAttachments HasValidationErrors",
        array=(
            "SalesTrackingCategories PurchasesTrackingCategories ContactGroups Attachments "
            "ValidationErrors"
        ),
        object="PaymentTerms BrandingTheme BatchPayments Balances",
        number="Discount",
        refs={"ContactPersons": "[ContactPerson]", "Addresses": "[Address]", "Phones": "[Phone]"},
    ),
    "ContactPerson": _shape(
        string="FirstName LastName EmailAddress",
        boolean="IncludeInEmails",
    ),
    "Address": _shape(
        string=(
            "AddressType AddressLine1 AddressLine2 AddressLine3 AddressLine4 City Region "
            "PostalCode Country AttentionTo"
        ),
    ),
    "Phone": _shape(
        string="PhoneType PhoneNumber PhoneAreaCode PhoneCountryCode",
    ),
    "Invoice": _shape(
        string=(
            "Type Date DueDate LineAmountTypes InvoiceNumber Reference Url CurrencyCode "
            "Status ExpectedPaymentDate PlannedPaymentDate FullyPaidOnDate UpdatedDateUTC "
            "UpdatedDateUTCString StatusAttributeString"
        ),
        uuid="BrandingThemeID InvoiceID RepeatingInvoiceID",
        number=(
            "CurrencyRate CISDeduction CISRate SubTotal TotalTax Total TotalDiscount "
            "AmountDue AmountPaid AmountCredited"
        ),
        boolean="SentToContact HasAttachments IsDiscounted HasErrors",
        array=(
            "Prepayments Overpayments CreditNotes Attachments ValidationErrors Warnings "
            "InvoiceAddresses"
        ),
        refs={"Contact": "Contact", "LineItems": "[LineItem]", "Payments": "[Payment]"},
    ),
    "BankTransfer": _shape(
        uuid="BankTransferID FromBankTransactionID ToBankTransactionID",
        string="Date Reference CreatedDateUTC Status",
        number="Amount CurrencyRate",
        boolean="FromIsReconciled ToIsReconciled HasAttachments HasValidationErrors",
        array="FromTracking ToTracking ValidationErrors",
        refs={"FromBankAccount": "Account", "ToBankAccount": "Account"},
    ),
    "BankTransaction": _shape(
        uuid="BankTransactionID PrepaymentID OverpaymentID",
        string=(
            "Type Date Reference CurrencyCode Url Status LineAmountTypes UpdatedDateUTC "
            "StatusAttributeString"
        ),
        number="CurrencyRate SubTotal TotalTax Total",
        boolean="IsReconciled HasAttachments",
        array="ValidationErrors",
        refs={"Contact": "Contact", "LineItems": "[LineItem]", "BankAccount": "Account"},
    ),
    "LineItem": _shape(
        uuid="LineItemID AccountID RepeatingInvoiceID",
        string="Description ItemCode AccountCode TaxType Taxability",
        number=(
            "Quantity UnitAmount TaxAmount LineAmount DiscountRate DiscountAmount SalesTaxCodeId"
        ),
        object="Item",
        array="Tracking TaxBreakdown",
    ),
    "Quote": _shape(
        uuid="QuoteID BrandingThemeID",
        string=(
            "QuoteNumber Reference Terms Date DateString ExpiryDate ExpiryDateString Status "
            "CurrencyCode Title Summary UpdatedDateUTC LineAmountTypes StatusAttributeString"
        ),
        number="CurrencyRate SubTotal TotalTax Total TotalDiscount",
        array="ValidationErrors",
        refs={"Contact": "Contact", "LineItems": "[LineItem]"},
    ),
    "CreditNote": _shape(
        string=(
            "Type Date DueDate Status LineAmountTypes CreditNoteNumber Reference CurrencyCode "
            "FullyPaidOnDate UpdatedDateUTC UpdatedDateUTCString StatusAttributeString DateString"
        ),
        uuid="CreditNoteID BrandingThemeID",
        number=(
            "SubTotal TotalTax Total CISDeduction CISRate CurrencyRate RemainingCredit "
            "AppliedAmount"
        ),
        boolean="SentToContact HasAttachments HasErrors",
        array="Allocations Payments ValidationErrors Warnings InvoiceAddresses",
        refs={"Contact": "Contact", "LineItems": "[LineItem]"},
    ),
    "Allocation": _shape(
        uuid="AllocationID",
        object="Overpayment Prepayment CreditNote",
        number="Amount",
        string="Date StatusAttributeString",
        boolean="IsDeleted",
        array="ValidationErrors",
        refs={"Invoice": "Invoice"},
    ),
    "Payment": _shape(
        object="CreditNote Prepayment Overpayment BatchPayment",
        string=(
            "InvoiceNumber CreditNoteNumber Code Date Reference Status PaymentType "
            "UpdatedDateUTC UpdatedDateUTCString BankAccountNumber Particulars Details "
            "StatusAttributeString"
        ),
        number="CurrencyRate Amount BankAmount",
        boolean="IsReconciled HasAccount HasValidationErrors",
        uuid="PaymentID BatchPaymentID",
        array="ValidationErrors Warnings",
        refs={"Invoice": "Invoice", "Account": "Account"},
    ),
    "Item": _shape(
        string=(
            "Code InventoryAssetAccountCode Name Description PurchaseDescription "
            "UpdatedDateUTC StatusAttributeString"
        ),
        boolean="IsSold IsPurchased IsTrackedAsInventory",
        number="TotalCostPool QuantityOnHand",
        uuid="ItemID",
        array="ValidationErrors",
        refs={"PurchaseDetails": "Purchase", "SalesDetails": "Purchase"},
    ),
    "Purchase": _shape(
        number="UnitPrice",
        string="AccountCode COGSAccountCode TaxType",
    ),
    "Account": _shape(
        string=(
            "Code Name Type BankAccountNumber Status Description BankAccountType CurrencyCode "
            "TaxType Class SystemAccount ReportingCode ReportingCodeName UpdatedDateUTC"
        ),
        uuid="AccountID",
        boolean="EnablePaymentsToAccount ShowInExpenseClaims HasAttachments AddToWatchlist",
        array="ValidationErrors",
    ),
    "TaxRate": _shape(
        string="Name TaxType Status ReportTaxType",
        boolean=(
            "CanApplyToAssets CanApplyToEquity CanApplyToExpenses CanApplyToLiabilities "
            "CanApplyToRevenue"
        ),
        number="DisplayTaxRate EffectiveRate",
        refs={"TaxComponents": "[TaxComponent]"},
    ),
    "TaxComponent": _shape(
        string="Name",
        number="Rate",
        boolean="IsCompound IsNonRecoverable",
    ),
}
MAX_LENGTHS: dict[tuple[str, str], int] = {
    ("Contact", "ContactNumber"): 50,
    ("Contact", "AccountNumber"): 50,
    ("Contact", "Name"): 255,
    ("Contact", "FirstName"): 255,
    ("Contact", "LastName"): 255,
    ("Contact", "CompanyNumber"): 50,
    ("Contact", "EmailAddress"): 255,
    ("Contact", "TaxNumber"): 50,
    ("Address", "AddressLine1"): 500,
    ("Address", "AddressLine2"): 500,
    ("Address", "AddressLine3"): 500,
    ("Address", "AddressLine4"): 500,
    ("Address", "City"): 255,
    ("Address", "Region"): 255,
    ("Address", "PostalCode"): 50,
    ("Address", "Country"): 50,
    ("Address", "AttentionTo"): 255,
    ("Phone", "PhoneNumber"): 50,
    ("Phone", "PhoneAreaCode"): 10,
    ("Phone", "PhoneCountryCode"): 20,
    ("Invoice", "InvoiceNumber"): 255,
    # Xero's invoice documentation gives Reference "(max length = 255)" and a line's
    # Description "(max length = 4000)": https://developer.xero.com/documentation/api/accounting/invoices
    # (The OpenAPI file dropped Reference's limit, XeroAPI/Xero-OpenAPI#331, because the web app
    # takes longer ones: reading them back is never refused, only writing them.)
    ("Invoice", "Reference"): 255,
    ("LineItem", "Description"): 4000,
    ("Quote", "QuoteNumber"): 255,
    ("Quote", "Reference"): 4000,
    ("Quote", "Terms"): 4000,
    ("Quote", "Title"): 100,
    ("Quote", "Summary"): 3000,
    ("Item", "Code"): 30,
    ("Item", "Name"): 50,
    ("Item", "Description"): 4000,
    ("Item", "PurchaseDescription"): 4000,
    ("Account", "Name"): 150,
}

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "uuid": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}
_NET_TYPES = {
    "string": "System.String",
    "uuid": "System.Guid",
    "number": "System.Decimal",
    "integer": "System.Int32",
    "boolean": "System.Boolean",
    "object": "System.Object",
    "array": "System.Collections.Generic.List",
}


def check_shape(shape: str, value: Any, path: str) -> list[str]:
    """Messages for unknown fields, wrong JSON types and over-long strings, in the wording of
    Xero's deserialiser. ``null`` is accepted anywhere: Xero reads it as "not given"."""
    if not isinstance(value, dict):
        return [f"Error converting value {_show(value)} to type '{shape}'. Path '{path}'."]
    fields = SHAPES[shape]
    problems: list[str] = []
    for name, item in value.items():
        kind = fields.get(name)
        where = f"{path}.{name}"
        if kind is None:
            problems.append(
                f"Could not find member '{name}' on object of type '{shape}'. Path '{where}'."
            )
        elif item is not None:
            problems.extend(_check_value(shape, name, kind, item, where))
    return problems


def _check_value(shape: str, name: str, kind: str, item: Any, where: str) -> list[str]:
    if kind.startswith("["):
        if not isinstance(item, list):
            return [
                f"Error converting value {_show(item)} to type 'List<{kind[1:-1]}>'. "
                f"Path '{where}'."
            ]
        return [
            m for i, one in enumerate(item) for m in check_shape(kind[1:-1], one, f"{where}[{i}]")
        ]
    if kind in SHAPES:
        return check_shape(kind, item, where)
    types = _JSON_TYPES[kind]
    # Xero's deserialiser turns numeric strings into numbers; so do we (formats.parse_decimal).
    if kind == "number":
        wrong = parse_decimal(item) is None
    else:
        wrong = (isinstance(item, bool) and kind != "boolean") or not isinstance(item, types)
        wrong = wrong or (kind == "uuid" and not is_guid(item))
    if wrong:
        return [
            f"Error converting value {_show(item)} to type '{_NET_TYPES[kind]}'. Path '{where}'."
        ]
    limit = MAX_LENGTHS.get((shape, name))
    if limit and isinstance(item, str) and len(item) > limit:
        return [f"{name} must not be more than {limit} characters long."]
    return []


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 60 else text[:57] + "..."


def sanitize(shape: str, value: Any) -> dict[str, Any]:
    """What of a refused element can be echoed back: only the fields that are well formed, so
    the answer itself still matches Xero's schema."""
    if not isinstance(value, dict):
        return {}
    kept: dict[str, Any] = {}
    for name, item in value.items():
        kind = SHAPES[shape].get(name)
        if kind is None or item is None or _check_value(shape, name, kind, item, name):
            continue
        if kind.startswith("["):
            item = [sanitize(kind[1:-1], one) for one in item]
        elif kind in SHAPES:
            item = sanitize(kind, item)
        elif kind == "number":
            item = float(parse_decimal(item))
        kept[name] = item
    return kept
