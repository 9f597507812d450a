"""Banking/TransferMoneyTxn and Banking/SpendMoneyTxn: money moved between two bank accounts,
and money paid out of one against other accounts (docs/sandbox-myob.md, "Banking").

TransferMoneyTxn (https://developer.myob.com/api/myob-business-api/v2/banking/transfer_money/):
FromAccount, ToAccount, Amount and Date; TransferNumber String (13), numbered by MYOB when left
out; Memo. Both accounts are bank accounts: MYOB's Transfer Money window offers "a search list
of bank accounts" for each (https://help.acclivitysoftware.com/ca/ae09/mac/2070000c.htm, the
AccountEdge help of the same window), and a transfer moves money from one to another, so the
two must differ and the amount be more than nothing.

SpendMoneyTxn (https://developer.myob.com/api/myob-business-api/v2/banking/spend_money/):
PayFrom "Account" (then Account.UID is required: "if allocating a bank account the UID is
required") or "ElectronicPayments"; Contact.UID "only required if specifying a contact card";
Date; PaymentNumber String (13); Memo; IsTaxInclusive; Lines of Account, Amount, TaxCode
("Amount to be allocated to the account", a tax code per line: the CData MYOB driver's
SpendingTransactionItems, https://cdn.cdata.com/help/UMM/mcp/pg_table-spendingtransactionitems.htm).
The pay-from account is a bank account ("Pay from Account, i.e. the account code for the bank
account in MYOB", http://www.transpost.com.au/helpspendmoney.php). AmountPaid is the lines' sum
and TotalTax their tax, both worked out by MYOB; a payment of nothing or less is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany

from . import records
from .catalog import income_account
from .checks import Checks
from .contacts import customer_ref
from .credits import bank_account
from .sales import HUNDRED, tax_rate
from .wire import cents, day_time, number

PAY_FROM = ("Account", "ElectronicPayments")


def _positive(check: Checks, path: str, label: str = "") -> Decimal | None:
    amount = check.amount(path)
    if check.required(path, label=label) is None or amount is None:
        return None
    if cents(amount) <= 0:
        check.fail("InvalidValue", f"{label or path} must be more than 0", label or path)
    return cents(amount)


def _numbered(company: SandboxCompany, body: dict, field: str, prefix: str) -> str:
    return body.get(field) or f"{prefix}{store.next_number(company, f'myob:{prefix}'):06d}"


def transfer_data(company: SandboxCompany, body: dict[str, Any], old: dict | None) -> dict:
    check = Checks(company, body)
    source = bank_account(check, "FromAccount/UID", "FromAccount")
    target = bank_account(check, "ToAccount/UID", "ToAccount")
    if source and target and source["UID"] == target["UID"]:
        check.fail("InvalidValue", "FromAccount and ToAccount must be different accounts")
    amount = _positive(check, "Amount")
    check.required("Date")
    check.length("TransferNumber", 13)
    check.length("Memo", 255)
    check.done()
    return {
        **(old or {}),
        **body,
        "TransferNumber": _numbered(company, body, "TransferNumber", "TR"),
        "Date": day_time(body["Date"]),
        "FromAccount": source,
        "ToAccount": target,
        "Amount": number(amount),
        "Memo": body.get("Memo") or "",
    }


def spend_data(company: SandboxCompany, body: dict[str, Any], old: dict | None) -> dict:
    check = Checks(company, body)
    pay_from = check.required("PayFrom")
    if pay_from is not None and pay_from not in PAY_FROM:
        check.fail("InvalidValue", "PayFrom must be Account or ElectronicPayments", "PayFrom")
    account = bank_account(check, "Account/UID", "Account") if pay_from == "Account" else None
    contact = check.record(records.CUSTOMER, "Contact/UID", required=False)
    check.required("Date")
    check.length("PaymentNumber", 13)
    check.length("Memo", 255)
    inclusive = body.get("IsTaxInclusive") is True
    lines = body.get("Lines")
    if not isinstance(lines, list) or not lines:
        check.fail("Required", "Lines is required")
        lines = []
    priced = [_line(check, line, index, inclusive) for index, line in enumerate(lines)]
    paid = sum((line.pop("_amount") for line in priced if line), Decimal(0))
    tax = cents(sum((line.pop("_tax") for line in priced if line), Decimal(0)))
    if priced and all(priced) and cents(paid) <= 0:
        check.fail("InvalidValue", "The amount paid must be more than 0", "Lines")
    check.done()
    paid = cents(paid if inclusive else paid + tax)
    return {
        **(old or {}),
        **body,
        "PayFrom": pay_from,
        "Account": account,
        "Contact": customer_ref(contact) if contact else None,
        "PaymentNumber": _numbered(company, body, "PaymentNumber", "SP"),
        "Date": day_time(body["Date"]),
        "IsTaxInclusive": inclusive,
        "Memo": body.get("Memo") or "",
        "Lines": [{**line, "RowID": row_id} for row_id, line in enumerate(priced, start=1)],
        "TotalTax": number(tax),
        "AmountPaid": number(paid),
    }


def _line(check: Checks, line: Any, index: int, inclusive: bool) -> dict:
    label = f"Lines[{index}]"
    if not isinstance(line, dict):
        check.fail("SerializationError", f"{label} must be an object")
        return {}
    # Any detail account of the file (not a header): income_account's check is exactly that.
    account = income_account(check, "Account/UID", line)
    amount = check.amount("Amount", line, f"{label}.Amount")
    if check.required("Amount", line, f"{label}.Amount") is None:
        amount = None
    tax = check.tax_code("TaxCode/UID", line)
    check.length("Memo", 255, line, f"{label}.Memo")
    amount = amount or Decimal(0)
    rate = tax_rate(check.company, tax)
    line_tax = amount * rate / ((HUNDRED + rate) if inclusive else HUNDRED)
    return {
        **line,
        "Account": account,
        "Amount": number(amount),
        "TaxCode": tax,
        "_amount": cents(amount),
        "_tax": line_tax,
    }
