"""Business rules QBO enforces on a write, beyond field types (see docs/sandbox-quickbooks.md,
"Validation"). Each rule quotes where Intuit's behaviour is documented or seen.
Error codes: https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import faults
from .records import CENT, dec

# Maximum lengths from the entity reference pages (Customer: DisplayName 500, GivenName /
# MiddleName / FamilyName 100, Title / Suffix 16, CompanyName 100, PrintOnCheckName 110;
# Invoice: DocNumber 21, PrivateNote 4000, Line.Description 4000).
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
NAME_LENGTHS = {
    "DisplayName": 500,
    "GivenName": 100,
    "MiddleName": 100,
    "FamilyName": 100,
    "Title": 16,
    "Suffix": 16,
    "CompanyName": 100,
    "PrintOnCheckName": 110,
}
DOCUMENT_LENGTHS = {"DocNumber": 21, "PrivateNote": 4000}
LINE_DESCRIPTION = 4000
EMAIL = re.compile(r"^[^@\s,;<>()\[\]\"]+@[^@\s,;<>()\[\]\"]+$")


def too_long(name: str, limit: int, value: str) -> faults.QboFault:
    # 2050, as Intuit answers it (quoted in many clients, e.g. a DocNumber of 45 characters:
    # "String length specified does not match the supported length. Min:0 Max:21 supported.
    # Supplied length:45").
    return faults.QboFault(
        "2050",
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. Min:0 Max:{limit} "
        f"supported. Supplied length:{len(value)}",
        element=name,
    )


def _lengths(data: dict[str, Any], limits: dict[str, int]) -> None:
    for name, limit in limits.items():
        value = data.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise too_long(name, limit, value)


def check_party(data: dict[str, Any]) -> None:
    """Lengths, no ``:`` in names, well-formed e-mail address."""
    _lengths(data, NAME_LENGTHS)
    # The Customer page: DisplayName and the name parts "cannot contain a colon (:), tab (\t)
    # or newline (\n)"; QBO uses ':' to join a sub-customer to its parent.
    for name in ("DisplayName", "GivenName", "MiddleName", "FamilyName"):
        value = data.get(name)
        if isinstance(value, str) and any(bad in value for bad in (":", "\t", "\n")):
            raise faults.invalid_property(
                f"Property Name:{name} contains a character QuickBooks does not allow "
                f"(colon, tab or new line): {value}",
                name,
            )
    address = (data.get("PrimaryEmailAddr") or {}).get("Address")
    if address:
        check_email(address, "PrimaryEmailAddr")


def check_email(address: str, element: str) -> None:
    """Intuit's words (intuit/QuickBooks-V3-DotNET-SDK#333): "Email Address does not conform
    to the syntax rules of RFC 822. Supplied value: ..."; several addresses are comma-separated."""
    for one in str(address).split(","):
        if not EMAIL.match(one.strip()):
            raise faults.invalid_property(
                "Email Address does not conform to the syntax rules of RFC 822. "
                f"Supplied value: {address}",
                element,
            )


def check_sales_document(data: dict[str, Any]) -> None:
    _lengths(data, DOCUMENT_LENGTHS)
    for line in data.get("Line") or []:
        description = line.get("Description")
        if isinstance(description, str) and len(description) > LINE_DESCRIPTION:
            raise too_long("Description", LINE_DESCRIPTION, description)
    for field in ("BillEmail", "BillEmailCc", "BillEmailBcc"):
        address = (data.get(field) or {}).get("Address")
        if address:
            check_email(address, field)


def check_line_amount(line: dict[str, Any]) -> None:
    """6070: a sales line's Amount must be its Qty × UnitPrice rounded half up to the cent,
    when all three are given: "Amount calculation incorrect in the request" / "Amount is not
    equal to Qty * UnitPrice. Supplied value:..." (Intuit's error code list). QBO keeps up to
    seven decimals in Qty and UnitPrice and rounds the line total to two ("How QuickBooks
    Online rounds", help.breadwinner.com/support/solutions/articles/44001664304); no tolerance
    beyond that cent rounding is documented, so none is given. A 0 is python-quickbooks'
    default for whatever it was not given (SalesItemLine.Amount, SalesItemLineDetail.Qty and
    UnitPrice all start at 0): QBO works the missing one out, as for a line without it."""
    detail = line.get("SalesItemLineDetail") or {}
    given = (line.get("Amount"), detail.get("Qty"), detail.get("UnitPrice"))
    if not all(dec(value) for value in given):
        return
    expected = (dec(detail["Qty"]) * dec(detail["UnitPrice"])).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    if dec(line["Amount"]) != expected:
        raise faults.QboFault(
            "6070",
            "Amount calculation incorrect in the request",
            f"Amount is not equal to Qty * UnitPrice. Supplied value:{line['Amount']}",
            element="Line.Amount",
        )


def unique_numbers(company: SandboxCompany) -> bool:
    """The company asks QBO to warn about duplicate numbers: Preferences
    ``SalesFormsPrefs.CustomTxnNumbers`` on (numbers typed by people, so they can repeat) and
    ``OtherPrefs`` ``WarnDuplicateDocNum`` true (the "Warn if duplicate ... number is used"
    setting of Account and Settings → Advanced)."""
    prefs = store.remembered(  # once per request, not once per document of a batch
        company,
        "Preferences",
        "1",
        lambda: store.record_get(company=company, entity="Preferences", record_id="1"),
    )
    if prefs is None:
        return False
    if not (prefs.data.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers"):
        return False
    pairs = (prefs.data.get("OtherPrefs") or {}).get("NameValue") or []
    return any(
        pair.get("Name") == "WarnDuplicateDocNum" and str(pair.get("Value")).lower() == "true"
        for pair in pairs
    )


def check_duplicate_number(
    company: SandboxCompany, entity: str, data: dict[str, Any], previous: SandboxRecord | None
) -> None:
    """6140 "Duplicate Document Number Error" when numbers must be unique (Intuit's error code
    list; the blog above lists the same refusal as 6210 for some companies)."""
    number = data.get("DocNumber")
    if not number or not unique_numbers(company):
        return
    others = store.records(company, entity).filter(data__DocNumber=number)
    if previous is not None:
        others = others.exclude(pk=previous.pk)
    if others.exists():
        raise faults.QboFault(
            "6140",
            "Duplicate Document Number Error",
            "Duplicate Document Number Error : You must specify a different number. This "
            f"number has already been used. DocNumber={number} is assigned to TxnType={entity} "
            f"with TxnId={others.first().record_id}",
            element="DocNumber",
        )


def check_total(entity: str, total: Decimal) -> None:
    """A sales document's total may be zero (an invoice for free work) but never negative:
    QuickBooks keeps negative sales in credit memos and refunds (docs/sandbox-quickbooks.md,
    "Totals", says how sure this is)."""
    if total < 0:
        raise faults.business(
            f"You can't save a {entity.lower()} with a negative total. Use a credit memo instead.",
        )
