"""Customer credits: a credit note is a sale invoice whose total is below zero; it is applied to
the customer's invoices with Sale/CreditSettlement and paid back with Sale/CreditRefund
(docs/sandbox-myob.md, "Credit notes").

- A negative sale invoice is a credit: "Credit notes are exported the same way as invoices …
  a new bill with a negative amount in AccountRight"; lines of either sign may make it up as long
  as the total is negative (https://ocerra.freshdesk.com/support/solutions/articles/
  60000688373-posting-credit-notes-myob-accountright-). Its Status is ``Credit`` while credit is
  left (MYOB's invoice Status values: Open, Closed, Credit) and its BalanceDueAmount is the credit
  left, below zero.
- An Item line's ShipQuantity below zero is refused (``CommonRules_DecimalMinValue``,
  https://github.com/myob-oss/AccountRight_Live_API_.Net_SDK/issues/76): a credit is written
  in the Service layout, or with a negative price.
- CreditSettlement: CreditFromInvoice (the credit), Customer, Date, CreditAmount and Lines with
  a Sale (invoice) and an AmountApplied "greater than 0"; the CreditAmount "can only be less
  than or equal to" the credit left; Number 13, Memo 255
  (https://developer.myob.com/api/myob-business-api/v2/sale/credit_settlement/; the line rule
  as the CData MYOB driver states it: https://cdn.cdata.com/help/UMH/jdbc/
  pg_table-creditsettlementitems.htm). As with a customer payment, no more than the invoice's
  balance due is applied to it, and only to that customer's invoices.
- CreditRefund: Account (a bank account), Invoice (the credit), Customer, Date and Amount are
  required; the Amount is "equal to or less than" the credit left
  (https://developer.myob.com/api/myob-business-api/v2/sale/credit_refund/; required fields as
  https://cdn.cdata.com/help/UMH/cis/pg_table-creditrefunds.htm lists them).
- Deleting a settlement or a refund gives the credit (and the invoice its balance) back; a credit
  with settlements or refunds is not deleted (delete those first), as an invoice with payments.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import errors, records
from .checks import Checks
from .contacts import customer_ref
from .wire import cents, day_time, number, ref

ZERO = Decimal(0)
BANK_TYPES = ("Bank", "CreditCard")


def bank_account(check: Checks, path: str, label: str) -> dict | None:
    """The detail bank (or credit card) account named at ``path``, as a reference; a refusal
    noted on ``check`` when it is another kind of account or a header."""
    account = check.record(records.ACCOUNT, path)
    if account is None:
        return None
    if account.get("Type") not in BANK_TYPES or account.get("IsHeader"):
        check.fail(
            "InvalidValue",
            f"{label} {account['DisplayID']} {account['Name']} is not a bank account",
            label,
        )
    return ref("GeneralLedger/Account", account, "Name", "DisplayID")


def credit_left(invoice: dict) -> Decimal:
    """What is left of a credit (a negative invoice): zero for an ordinary invoice."""
    total = Decimal(str(invoice.get("TotalAmount", 0)))
    if total >= 0:
        return ZERO
    return cents(-total - Decimal(str(invoice.get("_used", 0))))


def is_credit(invoice: dict | None) -> bool:
    return invoice is not None and Decimal(str(invoice.get("TotalAmount", 0))) < 0


def _credit_of(check: Checks, path: str, customer: dict | None) -> dict | None:
    credit = check.record(records.INVOICE, path)
    if credit is None:
        return None
    if not is_credit(credit):
        check.fail("InvalidValue", f"Invoice {credit['Number']} is not a customer credit", path)
    elif customer is not None and credit["Customer"]["UID"] != customer["UID"]:
        check.fail("InvalidValue", f"Credit {credit['Number']} is not this customer's", path)
    return credit


def _common(check: Checks) -> None:
    if check.required("Date") is not None and day_time(check.body["Date"]) is None:
        check.fail("SerializationError", f"Error converting value {check.body['Date']!r}")
    check.length("Number", 13)
    check.length("Memo", 255)


def settlement_data(company: SandboxCompany, body: dict[str, Any], old: dict | None) -> dict:
    check = Checks(company, body)
    customer = check.record(records.CUSTOMER, "Customer/UID")
    credit = _credit_of(check, "CreditFromInvoice/UID", customer)
    _common(check)
    amount = check.amount("CreditAmount")
    check.required("CreditAmount")
    rows = body.get("Lines")
    if not isinstance(rows, list) or not rows:
        check.fail("Required", "Lines is required")
        rows = []
    so_far: dict[str, Decimal] = {}
    lines = [_settled(check, row, i, customer, so_far) for i, row in enumerate(rows)]
    lines = [line for line in lines if line]
    applied = sum((line["AmountApplied"] for line in lines), ZERO)
    if amount is not None and lines and cents(amount) != cents(applied):
        check.fail(
            "InvalidValue", "CreditAmount must equal the sum of the amounts applied", "CreditAmount"
        )
    if credit is not None and is_credit(credit) and cents(applied) > credit_left(credit):
        check.fail(
            "AmountAppliedExceedsBalance",
            f"The credit applied ({cents(applied)}) is more than the credit left on "
            f"{credit['Number']} ({credit_left(credit)})",
            "CreditAmount",
        )
    check.done()
    numbered = body.get("Number") or f"CS{store.next_number(company, 'myob:settlement'):06d}"
    return {
        **body,
        "Number": numbered,
        "Date": day_time(body["Date"]),
        "Customer": customer_ref(customer),
        "CreditFromInvoice": ref(credit["_path"], credit, "Number"),
        "CreditAmount": number(applied),
        "Lines": [
            {**line, "AmountApplied": number(line["AmountApplied"]), "RowID": i + 1}
            for i, line in enumerate(lines)
        ],
    }


def check_applied(
    check: Checks, invoice: dict, amount: Decimal, field: str, applied: dict[str, Decimal]
) -> None:
    """An amount applied to an invoice is more than 0 and, added to what the request's lines
    before it apply to the same invoice (``applied``: invoice UID → running total, kept here),
    no more than the invoice's balance due: MYOB applies no more than that to an invoice, by
    one line or several (customer payments:
    https://developer.myob.com/api/myob-business-api/v2/sale/customerpayment/; credit
    settlements: https://developer.myob.com/api/myob-business-api/v2/sale/credit_settlement/)."""
    balance = Decimal(str(invoice.get("BalanceDueAmount", 0)))
    earlier = applied.get(invoice["UID"], ZERO)
    if amount <= 0 or earlier + cents(amount) > balance:
        before = f" less {earlier} applied by the lines before" if earlier else ""
        check.fail(
            "AmountAppliedExceedsBalance",
            f"The amount applied to invoice {invoice['Number']} must be more than 0 and no "
            f"more than its balance due of {balance}{before}",
            field,
        )
    applied[invoice["UID"]] = earlier + cents(amount)


def _settled(
    check: Checks, row: Any, index: int, customer: dict | None, applied: dict[str, Decimal]
) -> dict | None:
    label = f"Lines[{index}]"
    row = row if isinstance(row, dict) else {}
    invoice = check.record(records.INVOICE, "Sale/UID", row)
    amount = check.amount("AmountApplied", row, f"{label}.AmountApplied")
    check.required("AmountApplied", row, f"{label}.AmountApplied")
    if invoice is None or amount is None:
        return None
    if is_credit(invoice):
        check.fail("InvalidValue", f"{invoice['Number']} is a credit, not an invoice", label)
        return None
    if customer is not None and invoice["Customer"]["UID"] != customer["UID"]:
        check.fail("InvalidValue", f"Invoice {invoice['Number']} is not this customer's", label)
    check_applied(check, invoice, amount, f"{label}.AmountApplied", applied)
    return {
        "Type": "Invoice",
        "Sale": ref(invoice["_path"], invoice, "Number"),
        "AmountApplied": cents(amount),
    }


def refund_data(company: SandboxCompany, body: dict[str, Any], old: dict | None) -> dict:
    check = Checks(company, body)
    customer = check.record(records.CUSTOMER, "Customer/UID")
    credit = _credit_of(check, "Invoice/UID", customer)
    account = bank_account(check, "Account/UID", "Account")
    _common(check)
    check.length("Payee", 255)
    amount = check.amount("Amount")
    check.required("Amount")
    if amount is not None and amount <= 0:
        check.fail("InvalidValue", "Amount must be more than 0", "Amount")
    elif amount is not None and credit is not None and is_credit(credit):
        if cents(amount) > credit_left(credit):
            check.fail(
                "AmountAppliedExceedsBalance",
                f"The amount refunded ({cents(amount)}) is more than the credit left on "
                f"{credit['Number']} ({credit_left(credit)})",
                "Amount",
            )
    check.done()
    numbered = body.get("Number") or f"CR{store.next_number(company, 'myob:credit-refund'):06d}"
    return {
        **body,
        "Number": numbered,
        "Date": day_time(body["Date"]),
        "Customer": customer_ref(customer),
        "Invoice": ref(credit["_path"], credit, "Number"),
        "Account": account,
        "Amount": number(amount),
    }


def _move(company: SandboxCompany, uid: str, field: str, amount: Decimal) -> None:
    """Add ``amount`` to an invoice's private running figure (``_credited`` on an invoice,
    ``_used`` on a credit) and work its BalanceDueAmount and Status out again."""
    row = records.get(company, records.INVOICE, uid, for_update=True)
    if row is None:
        return
    data = {**row.data, field: float(cents(Decimal(str(row.data.get(field, 0))) + amount))}
    records.save(row, {**data, **balance_of(data)})


def balance_of(data: dict) -> dict:
    """BalanceDueAmount and Status: an invoice's total less payments and credit applied (Open,
    Closed at 0); a credit's total plus what was applied or refunded of it (Credit below 0)."""
    total = Decimal(str(data.get("TotalAmount", 0)))
    if total < 0:
        balance = cents(total + Decimal(str(data.get("_used", 0))))
        return {"BalanceDueAmount": float(balance), "Status": "Credit" if balance < 0 else "Closed"}
    taken = Decimal(str(data.get("_paid", 0))) + Decimal(str(data.get("_credited", 0)))
    balance = cents(total - taken)
    return {"BalanceDueAmount": float(balance), "Status": "Closed" if balance <= 0 else "Open"}


def after_create(company: SandboxCompany, record: SandboxRecord) -> None:
    _book(company, record, +1)


def before_delete(company: SandboxCompany, record: SandboxRecord) -> None:
    _book(company, record, -1)


def _book(company: SandboxCompany, record: SandboxRecord, sign: int) -> None:
    data = record.data
    if record.entity == records.SETTLEMENT:
        total = ZERO
        for line in data.get("Lines", []):
            applied = sign * Decimal(str(line["AmountApplied"]))
            _move(company, line["Sale"]["UID"], "_credited", applied)
            total += applied
        _move(company, data["CreditFromInvoice"]["UID"], "_used", total)
    elif record.entity == records.CREDIT_REFUND:
        _move(company, data["Invoice"]["UID"], "_used", sign * Decimal(str(data["Amount"])))


def refuse_used(company: SandboxCompany, record: SandboxRecord) -> None:
    """A credit with settlements or refunds (its ``_used``), or an invoice with credit applied
    (its ``_credited``), as ``payments.before_delete`` refuses an invoice by its ``_paid``."""
    used = record.data.get("_used") or record.data.get("_credited")
    if record.entity == records.INVOICE and used:
        raise errors.refuse(
            "InvalidValue",
            "A sale with credit applied or refunded cannot be deleted; delete the credit "
            "settlements and refunds first",
        )
