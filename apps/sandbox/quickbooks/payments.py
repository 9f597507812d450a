"""Payments and the balances they move: a payment applied to invoices lowers their ``Balance``;
changing, voiding or deleting it gives the amount back. Customer balances follow invoices.

A payment may also use credit memos: a line linked to a CreditMemo takes that much of its
``RemainingCredit`` and pays invoices with it. That is how a credit memo is applied to an invoice
through the API: a Payment whose lines link both, of total 0 when the credit alone pays
("Applying Credit to an Invoice": "you need to create a zero-dollar payment, which is the link
between the Credit Memo and the Invoice", docs.breadwinner.com/quickbooks/applying-credit-to-an-
invoice; QBO's Receive Payment "creates a $0 payment with the credit amount applied to the invoice
and a negative amount applied to the credit", hub.acctivate.com/articles/credit-applications-in-
quickbooks-online; LinkedTxn, developer.intuit.com/app/developer/qbo/docs/workflows/manage-linked-
transactions)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection

from apps.sandbox import store
from apps.sandbox.keys import key_column, lookup_key
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import faults
from .records import batch_created, dec, find, follow, money, today
from .sales import currency_ref

LINKABLE = ("Invoice", "CreditMemo")


def applications(data: dict[str, Any] | None, txn_type: str = "Invoice") -> dict[str, Decimal]:
    """Invoice id (or CreditMemo id) → amount this payment applies to it (takes from it)."""
    applied: dict[str, Decimal] = {}
    for line in (data or {}).get("Line") or []:
        for txn in line.get("LinkedTxn") or []:
            if txn.get("TxnType", "Invoice") == txn_type:
                applied[txn["TxnId"]] = applied.get(txn["TxnId"], Decimal(0)) + dec(line["Amount"])
    return applied


def credits_used(data: dict[str, Any] | None) -> dict[str, Decimal]:
    return applications(data, "CreditMemo")


def invoice_paid(invoice: SandboxRecord) -> Decimal:
    return sum((dec(v) for v in (invoice.data.get("_payments") or {}).values()), Decimal(0))


def prepare_payment(company: SandboxCompany, data: dict[str, Any], previous) -> None:
    customer = follow(company, "Customer", data.get("CustomerRef"), "CustomerRef")
    if "TotalAmt" not in data:
        raise faults.required("TotalAmt")
    total = dec(data["TotalAmt"])
    if total < 0:
        raise faults.business("The payment amount cannot be negative.")
    applied_before = applications(previous.data if previous else None)
    for line in data.get("Line") or []:
        if "Amount" not in line:
            raise faults.required("Line.Amount")
        line["Amount"] = money(line["Amount"])
        for txn in line.get("LinkedTxn") or []:
            if not txn.get("TxnId"):
                raise faults.required("LinkedTxn.TxnId")
            txn.setdefault("TxnType", "Invoice")
            if txn["TxnType"] not in LINKABLE:
                raise faults.business(f"A payment cannot be linked to a {txn['TxnType']} here.")
    for invoice_id, amount in applications(data).items():
        invoice = find(company, "Invoice", invoice_id)
        if invoice is None:
            raise faults.invalid_reference("LinkedTxn", invoice_id)
        if invoice.data.get("CustomerRef", {}).get("value") != customer.record_id:
            raise faults.business(
                f"Invoice {invoice_id} belongs to another customer than this payment."
            )
        open_balance = dec(invoice.data.get("Balance")) + applied_before.get(invoice_id, 0)
        if amount > open_balance:
            raise faults.business(
                f"The amount applied to invoice {invoice_id} ({money(amount)}) is more than its "
                f"open balance ({money(open_balance)})."
            )
    credit = _check_credits(company, data, previous, customer)
    applied = sum(applications(data).values(), Decimal(0))
    if applied > total + credit:
        raise faults.business("The amounts applied to invoices are more than the payment total.")
    if credit > applied:
        # The credit taken pays invoices: a payment cannot move credit onto nothing.
        raise faults.business(
            f"The credits used ({money(credit)}) are more than the amounts applied to invoices "
            f"({money(applied)})."
        )
    for ref_field, entity in (
        ("PaymentMethodRef", "PaymentMethod"),
        ("DepositToAccountRef", "Account"),
    ):
        if ref_field in data:
            follow(company, entity, data[ref_field], ref_field)
    data["TotalAmt"] = money(total)
    data["UnappliedAmt"] = money(total + credit - applied)
    data.setdefault("TxnDate", today().isoformat())
    data["CurrencyRef"] = currency_ref(company)


def _check_credits(company, data, previous, customer) -> Decimal:
    """Each credit memo the payment uses is the customer's and has that much credit left."""
    used_before = credits_used(previous.data if previous else None)
    for memo_id, amount in credits_used(data).items():
        memo = find(company, "CreditMemo", memo_id)
        if memo is None or memo.data.get("_voided"):
            raise faults.invalid_reference("LinkedTxn", memo_id)
        if memo.data.get("CustomerRef", {}).get("value") != customer.record_id:
            raise faults.business(
                f"Credit memo {memo_id} belongs to another customer than this payment."
            )
        left = dec(memo.data.get("RemainingCredit")) + used_before.get(memo_id, 0)
        if amount > left:
            raise faults.business(
                f"The amount used from credit memo {memo_id} ({money(amount)}) is more than its "
                f"remaining credit ({money(left)})."
            )
    return sum(credits_used(data).values(), Decimal(0))


def settle_credit_memos(
    company: SandboxCompany, payment: SandboxRecord, before: dict[str, Any] | None
) -> None:
    """Move the RemainingCredit of every credit memo this payment used, before or after."""
    _settle(company, payment, before, "CreditMemo", "_used", credit_memo_remaining)


def credit_memo_remaining(memo: SandboxRecord) -> None:
    data = memo.data
    used = sum((dec(v) for v in (data.get("_used") or {}).values()), Decimal(0))
    remaining = dec(data.get("TotalAmt")) - used
    if remaining < 0:
        raise faults.business("The credit memo total is less than the credit already used.")
    data["RemainingCredit"] = money(remaining)


def settle_invoices(
    company: SandboxCompany, payment: SandboxRecord, before: dict[str, Any] | None
) -> None:
    """Move the balances of every invoice this payment touched, before or after the change,
    then those of their customers."""
    invoices = _settle(company, payment, before, "Invoice", "_payments", invoice_balance)
    customers = {invoice.data.get("CustomerRef", {}).get("value") for invoice in invoices}
    for customer_id in sorted(filter(None, customers)):
        customer_balance(company, customer_id)


def _settle(company, payment, before, entity: str, kept: str, recompute) -> list[SandboxRecord]:
    """For each ``entity`` record the payment is linked to, before or after the change: the
    amount it takes from the payment (kept per payment in its ``kept`` field), its LinkedTxn
    back to the payment, then ``recompute`` (its Balance or RemainingCredit) and save it.
    Returns the records changed."""
    changed = []
    old = applications(before, entity)
    voided = payment.deleted or payment.data.get("_voided")
    new = {} if voided else applications(payment.data, entity)
    for record_id in sorted(set(old) | set(new)):
        if old.get(record_id) == new.get(record_id):
            continue
        record = find(company, entity, record_id, for_update=True)
        if record is None:
            continue
        data = dict(record.data)
        amounts = dict(data.get(kept) or {})
        links = [t for t in data.get("LinkedTxn") or [] if t.get("TxnId") != payment.record_id]
        if record_id in new:
            amounts[payment.record_id] = str(new[record_id])
            links.append({"TxnId": payment.record_id, "TxnType": "Payment"})
        else:
            amounts.pop(payment.record_id, None)
        data[kept], data["LinkedTxn"] = amounts, links
        record.data = data
        recompute(record)
        store.record_save(record=record)
        changed.append(record)
    return changed


def invoice_balance(invoice: SandboxRecord) -> None:
    data = invoice.data
    if data.get("_voided"):
        data["Balance"] = 0.0
        return
    balance = dec(data.get("TotalAmt")) - invoice_paid(invoice)
    if balance < 0:
        raise faults.business("The invoice total is less than the payments applied to it.")
    data["Balance"] = money(balance)


def customer_balance(company: SandboxCompany, customer_id: str | None) -> None:
    """The customer's open balance, kept without a new SyncToken (QBO does not bump it either).
    On PostgreSQL one statement sums and writes it (each invoice of a batch locked the customer,
    read every invoice of it and wrote it whole: three statements an invoice)."""
    if not customer_id:
        return
    if connection.vendor == "postgresql":
        if ("Customer", str(customer_id)) not in batch_created.get():
            _balance_summed(company.pk, str(customer_id))
        return
    customer = find(company, "Customer", customer_id, for_update=True)
    if customer is None:
        return
    invoices = store.records_keyed(company, "Invoice", ("CustomerRef", "value"), customer_id)
    balances = [
        data.get("Balance")
        for data in invoices.values_list("data", flat=True)
        if (data.get("CustomerRef") or {}).get("value") == customer_id
    ]
    total = sum((dec(balance) for balance in balances), Decimal(0))
    customer.data = {**customer.data, "Balance": money(total), "BalanceWithJobs": money(total)}
    customer.save(update_fields=["data"])


_OWNER = key_column("Invoice", ("CustomerRef", "value"))
# The customer's Balance and BalanceWithJobs: the sum of its invoices' balances, to the cent.
_BALANCE = f"""
UPDATE {SandboxRecord._meta.db_table} AS customer
SET data = customer.data || jsonb_build_object('Balance', owed.total, 'BalanceWithJobs', owed.total)
FROM (
    SELECT round(COALESCE(sum((invoice.data ->> 'Balance')::numeric), 0), 2)::float8 AS total
    FROM {SandboxRecord._meta.db_table} AS invoice
    WHERE invoice.company_id = %(company)s AND invoice.entity = 'Invoice' AND NOT invoice.deleted
        AND invoice.{_OWNER} = %(key)s AND invoice.data -> 'CustomerRef' ->> 'value' = %(customer)s
) AS owed
WHERE customer.company_id = %(company)s AND customer.entity = 'Customer'
    AND customer.record_id = %(customer)s AND NOT customer.deleted
"""


def _balance_summed(company_id: int, customer_id: str) -> None:
    with connection.cursor() as cursor:
        key = lookup_key(customer_id)
        cursor.execute(_BALANCE, {"company": company_id, "key": key, "customer": customer_id})
