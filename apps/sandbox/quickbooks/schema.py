"""The QBO entities the sandbox serves and the JSON type of each field they accept.

Kinds: S string, B boolean, N number, D date, T date-time, R reference ``{value, name}``,
O object, L list of objects, X read-only (computed by the sandbox; whatever is sent is ignored).
python-quickbooks sends every attribute it knows, ``""`` and ``0`` defaults included, so each
entity lists all of them.
"""

from __future__ import annotations

from dataclasses import dataclass


def _fields(**kinds: str) -> dict[str, str]:
    return {name: kind for kind, names in kinds.items() for name in names.split()}


COMMON = _fields(X="Id SyncToken MetaData domain sparse status")
PARTY = _fields(
    S="Title GivenName MiddleName FamilyName Suffix DisplayName CompanyName PrintOnCheckName",
    B="Active",
    O="PrimaryEmailAddr PrimaryPhone Mobile AlternatePhone Fax WebAddr BillAddr",
    R="CurrencyRef",
)
SALES_DOC = _fields(
    S="DocNumber PrivateNote EmailStatus PrintStatus GlobalTaxCalculation TrackingNum "
    "InvoiceLink EInvoiceStatus",
    D="TxnDate DueDate ShipDate",
    N="ExchangeRate Deposit",
    B="ApplyTaxAfterDiscount AllowIPNPayment AllowOnlineACHPayment "
    "AllowOnlineCreditCardPayment FreeFormAddress",
    R="CustomerRef CurrencyRef SalesTermRef ClassRef DepartmentRef ShipMethodRef "
    "TaxExemptionRef RecurDataRef ProjectRef DepositToAccountRef",
    O="BillAddr ShipAddr ShipFromAddr BillEmail BillEmailCc BillEmailBcc CustomerMemo "
    "TxnTaxDetail DeliveryInfo",
    L="Line LinkedTxn CustomField",
    X="TotalAmt Balance HomeBalance HomeTotalAmt",
)


@dataclass(frozen=True)
class Entity:
    name: str
    fields: dict[str, str]
    # Name lists (customers, items ...) are made inactive, never deleted.
    deletable: bool = False
    voidable: bool = False
    creatable: bool = True
    updatable: bool = True
    has_active: bool = False
    cdc: bool = True
    name_field: str = ""  # unique name within the entity (6240)

    @property
    def url_name(self) -> str:
        return self.name.lower()


ENTITIES: dict[str, Entity] = {}
# Tax codes and rates are read-only in the Accounting API (QBO's TaxService makes them).
TAX_LIST = {"creatable": False, "updatable": False, "has_active": True, "cdc": False}


def _register(entity: Entity) -> None:
    ENTITIES[entity.name] = Entity(**{**entity.__dict__, "fields": {**COMMON, **entity.fields}})


_register(
    Entity(
        "Customer",
        {
            **PARTY,
            **_fields(
                S="Notes ResaleNum PreferredDeliveryMethod PrimaryTaxIdentifier",
                B="Taxable BillWithParent Job IsProject",
                D="OpenBalanceDate",
                N="Level",
                R="ParentRef SalesTermRef PaymentMethodRef DefaultTaxCodeRef ARAccountRef",
                O="ShipAddr",
                X="Balance BalanceWithJobs FullyQualifiedName",
            ),
        },
        has_active=True,
        name_field="DisplayName",
    )
)
_register(
    Entity(
        "Vendor",
        {
            **PARTY,
            **_fields(
                S="AcctNum TaxIdentifier TaxReportingBasis",
                B="Vendor1099",
                N="BillRate",
                R="TermRef APAccountRef",
                X="Balance",
            ),
        },
        has_active=True,
        name_field="DisplayName",
    )
)
_register(
    Entity(
        "Employee",
        {
            **PARTY,
            **_fields(
                S="EmployeeNumber SSN Gender",
                B="BillableTime Organization",
                N="BillRate CostRate",
                D="BirthDate HiredDate ReleasedDate",
                O="PrimaryAddr EmailAddress",
            ),
        },
        has_active=True,
        name_field="DisplayName",
    )
)
_register(Entity("Invoice", dict(SALES_DOC), deletable=True, voidable=True))
_register(
    Entity(
        "Estimate",
        {**SALES_DOC, **_fields(S="AcceptedBy TxnStatus", D="AcceptedDate ExpirationDate")},
        deletable=True,
    )
)
_register(
    Entity(
        "Payment",
        _fields(
            S="PrivateNote PaymentRefNum TxnStatus TransactionLocationType TxnSource",
            D="TxnDate",
            N="TotalAmt ExchangeRate",
            R="CustomerRef CurrencyRef PaymentMethodRef DepositToAccountRef ARAccountRef "
            "TaxExemptionRef",
            O="CreditCardPayment",
            L="Line",
            X="UnappliedAmt",
        ),
        deletable=True,
        voidable=True,
    )
)
_register(
    Entity(
        "SalesReceipt",
        {
            **SALES_DOC,
            **_fields(S="PaymentRefNum TxnSource", R="PaymentMethodRef", O="CreditCardPayment"),
        },
        deletable=True,
        voidable=True,
    )
)
# CreditMemo: a sales document like an invoice (CustomerRef and Line required) whose credit,
# ``RemainingCredit`` (read-only), is used up by Payments that link it to invoices.
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/creditmemo
_register(
    Entity(
        "CreditMemo",
        {**SALES_DOC, **_fields(X="RemainingCredit")},
        deletable=True,
    )
)
# RefundReceipt: money paid back for items, from DepositToAccountRef (required, a Bank or Other
# Current Asset account), with at least one line.
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/refundreceipt
_register(
    Entity(
        "RefundReceipt",
        {
            **SALES_DOC,
            **_fields(S="PaymentRefNum TxnSource", R="PaymentMethodRef", O="CreditCardPayment"),
        },
        deletable=True,
        voidable=True,
    )
)
_register(
    Entity(
        "Item",
        _fields(
            S="Name Description Type Sku PurchaseDesc ItemCategoryType ServiceType",
            B="Active Taxable SubItem TrackQtyOnHand SalesTaxIncluded PurchaseTaxIncluded",
            N="UnitPrice PurchaseCost QtyOnHand Level AbatementRate ReverseChargeRate",
            D="InvStartDate",
            R="IncomeAccountRef ExpenseAccountRef AssetAccountRef ParentRef SalesTaxCodeRef "
            "PurchaseTaxCodeRef",
            X="FullyQualifiedName",
        ),
        has_active=True,
        name_field="Name",
    )
)
_register(
    Entity(
        "Account",
        _fields(
            S="Name AcctNum Description AccountType AccountSubType Classification",
            B="Active SubAccount",
            R="ParentRef CurrencyRef TaxCodeRef",
            X="CurrentBalance CurrentBalanceWithSubAccounts FullyQualifiedName",
        ),
        has_active=True,
        name_field="Name",
    )
)
_register(
    Entity("PaymentMethod", _fields(S="Name Type", B="Active"), has_active=True, name_field="Name")
)
_register(
    Entity(
        "TaxCode",
        _fields(
            S="Name Description",
            B="Active Taxable TaxGroup Hidden",
            O="SalesTaxRateList PurchaseTaxRateList",
        ),
        **TAX_LIST,
    )
)
_register(
    Entity(
        "TaxRate",
        _fields(
            S="Name Description DisplayType SpecialTaxType",
            B="Active",
            N="RateValue",
            R="AgencyRef TaxReturnLineRef",
            L="EffectiveTaxRate",
        ),
        **TAX_LIST,
    )
)
_register(
    Entity(
        "TimeActivity",
        _fields(
            S="NameOf BillableStatus Description",
            B="Taxable",
            N="Hours Minutes BreakHours BreakMinutes HourlyRate CostRate",
            D="TxnDate",
            T="StartTime EndTime",
            R="EmployeeRef VendorRef CustomerRef ItemRef ClassRef DepartmentRef AttachableRef "
            "PayrollItemRef",
        ),
        deletable=True,
        cdc=False,
    )
)
_register(
    Entity(
        "Deposit",
        _fields(
            S="DocNumber PrivateNote TxnStatus TxnSource GlobalTaxCalculation",
            D="TxnDate",
            N="ExchangeRate",
            R="DepositToAccountRef CurrencyRef DepartmentRef AttachableRef",
            O="CashBack",
            L="Line",
            X="TotalAmt HomeTotalAmt",
        ),
        deletable=True,
    )
)
_register(
    Entity(
        "CompanyInfo",
        _fields(
            S="CompanyName LegalName Country FiscalYearStartMonth SupportedLanguages EmployerId",
            D="CompanyStartDate",
            O="CompanyAddr CustomerCommunicationAddr LegalAddr Email PrimaryPhone WebAddr",
            L="NameValue",
        ),
        creatable=False,
    )
)
_register(
    Entity(
        "Preferences",
        _fields(
            O="AccountingInfoPrefs ProductAndServicesPrefs SalesFormsPrefs EmailMessagesPrefs "
            "VendorAndPurchasesPrefs TimeTrackingPrefs TaxPrefs CurrencyPrefs ReportPrefs "
            "OtherPrefs",
        ),
        creatable=False,
    )
)

BY_URL_NAME = {entity.url_name: entity for entity in ENTITIES.values()}
# DisplayName is unique across these three (6240).
NAME_SHARING = ("Customer", "Vendor", "Employee")
