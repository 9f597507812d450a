"""Sale/CustomerPayment: a receipt applied to one or more of a customer's open invoices.

https://developer.myob.com/api/myob-business-api/v2/sale/customerpayment/ : GET, POST and
DELETE only (a payment is not edited: delete it and record it again). DepositTo "Account" needs a
bank Account; "UndepositedFunds" needs none. Customer, Date, AmountReceived and Invoices are
required; every invoice must be the customer's, and the amount applied to it cannot be more than
its balance due. AmountReceived is the sum of the amounts applied. Deleting a payment gives the
invoices their balances back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import errors, records
from .checks import Checks
from .contacts import customer_ref
from .credits import balance_of, bank_account, check_applied, refuse_used
from .wire import cents, day_time, number, ref

DEPOSIT_TO = ("Account", "UndepositedFunds")


def payment_data(company: SandboxCompany, body: dict[str, Any], old: dict | None) -> dict:
    check = Checks(company, body)
    customer = check.record(records.CUSTOMER, "Customer/UID")
    check.required("Date")
    received = check.amount("AmountReceived")
    check.required("AmountReceived")
    check.length("Memo", 255)
    check.length("ReceiptNumber", 13)
    account = _deposit_account(check, body)
    applied = _applications(check, body, customer)
    total = sum((a["AmountApplied"] for a in applied), Decimal(0))
    if received is not None and applied and cents(received) != cents(total):
        check.fail(
            "InvalidValue",
            "AmountReceived must equal the sum of the amounts applied to invoices",
            "AmountReceived",
        )
    check.done()
    receipt = body.get("ReceiptNumber") or f"CR{store.next_number(company, 'myob:receipt'):06d}"
    return {
        **body,
        "DepositTo": body["DepositTo"],
        "Account": account,
        "Customer": customer_ref(customer),
        "ReceiptNumber": receipt,
        "Date": day_time(body["Date"]),
        "AmountReceived": number(total),
        "Invoices": [
            {**a, "AmountApplied": number(a["AmountApplied"]), "RowID": i + 1}
            for i, a in enumerate(applied)
        ],
    }


def _deposit_account(check: Checks, body: dict) -> dict | None:
    deposit_to = check.required("DepositTo")
    if deposit_to is not None and deposit_to not in DEPOSIT_TO:
        check.fail("InvalidValue", "DepositTo must be Account or UndepositedFunds", "DepositTo")
    if deposit_to != "Account":
        return None
    return bank_account(check, "Account/UID", "Account")


def _applications(check: Checks, body: dict, customer: dict | None) -> list[dict]:
    rows = body.get("Invoices")
    if not isinstance(rows, list) or not rows:
        check.fail("Required", "Invoices is required")
        return []
    applied, so_far = [], {}
    for index, row in enumerate(rows):
        label = f"Invoices[{index}]"
        invoice = check.record(records.INVOICE, "UID", row if isinstance(row, dict) else {})
        amount = check.amount("AmountApplied", row if isinstance(row, dict) else {}, label)
        if invoice is None or amount is None:
            check.required(
                "AmountApplied", row if isinstance(row, dict) else {}, f"{label}.AmountApplied"
            )
            continue
        if customer is not None and invoice["Customer"]["UID"] != customer["UID"]:
            check.fail("InvalidValue", f"Invoice {invoice['Number']} is not this customer's", label)
        check_applied(check, invoice, amount, f"{label}.AmountApplied", so_far)
        applied.append(
            {
                **ref(invoice["_path"], invoice, "Number"),
                "Type": "Invoice",
                "AmountApplied": cents(amount),
            }
        )
    return applied


def _apply(company: SandboxCompany, payment: dict, sign: int) -> None:
    for row in payment.get("Invoices", []):
        invoice = records.get(company, records.INVOICE, row["UID"], for_update=True)
        if invoice is None:
            continue
        paid = cents(
            Decimal(str(invoice.data.get("_paid", 0))) + sign * Decimal(str(row["AmountApplied"]))
        )
        data = {
            **invoice.data,
            "_paid": float(paid),
            "LastPaymentDate": payment.get("Date")
            if sign > 0
            else invoice.data.get("LastPaymentDate"),
        }
        data |= balance_of(data)
        records.save(invoice, data)


def after_create(company: SandboxCompany, resource, record: SandboxRecord) -> None:
    if record.entity == records.PAYMENT:
        _apply(company, record.data, +1)


def before_delete(company: SandboxCompany, resource, record: SandboxRecord) -> None:
    if record.entity == records.PAYMENT:
        _apply(company, record.data, -1)
    elif record.entity == records.CUSTOMER and _has_transactions(company, record.record_id):
        raise errors.refuse(
            "InvalidValue",
            "A customer with sales or payments recorded against it cannot be deleted; "
            "make it inactive instead",
        )
    elif record.entity == records.INVOICE and record.data.get("_paid"):
        raise errors.refuse(
            "InvalidValue",
            "An invoice with payments applied cannot be deleted; delete the payments first",
        )
    else:
        refuse_used(company, record)


def _has_transactions(company: SandboxCompany, customer_uid: str) -> bool:
    """Any live sale or payment of the customer (MYOB keeps a card while transactions use it)."""
    sales = (records.INVOICE, records.QUOTE)
    if any(store.records_keyed(company, e, ("Customer", "UID"), customer_uid) for e in sales):
        return True
    return any(
        row.data["Customer"]["UID"] == customer_uid
        for row in store.records(company, records.PAYMENT)
    )
