"""Create, update (full and sparse), delete and void, with QBO's rules: the SyncToken must be
current (5010), missing records are 610, and every write happens in one transaction so a refused
request leaves nothing half-written. Both the API and the console call these."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django.db import transaction

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import activity, faults, names, payments, rules, sales
from .normalize import clean_body
from .records import dec, find, follow
from .schema import ENTITIES, Entity

Prepare = Callable[[SandboxCompany, dict[str, Any], SandboxRecord | None], None]


def _party(entity: str) -> Prepare:
    return lambda company, data, previous: names.prepare_party(company, entity, data, previous)


def _sales(entity: str) -> Prepare:
    def prepare(company, data, previous) -> None:
        if previous is not None and not data.get("DocNumber"):
            data["DocNumber"] = previous.data.get("DocNumber")
        rules.check_sales_document(data)
        rules.check_duplicate_number(company, entity, data, previous)
        sales.fill_defaults(company, data, entity, is_new=previous is None)
        sales.compute_lines(company, data, entity)
        if entity == "Invoice":
            payments.invoice_balance(SandboxRecord(data=data))
        elif entity == "CreditMemo":
            payments.credit_memo_remaining(SandboxRecord(data=data))
            data["Balance"] = data["RemainingCredit"]
        elif entity in ("SalesReceipt", "RefundReceipt"):
            data["Balance"] = 0.0

    return prepare


def _refund_receipt(company, data, previous) -> None:
    """A RefundReceipt needs the account the money is paid from: "DepositToAccountRef ...
    Required" on Intuit's RefundReceipt page (also "To add a RefundReceipt, specify a Customer,
    DepositToAccount and at least one Line Item", cdn.cdata.com/help/RNK/jp/ado/pg_table-
    refundreceipts.htm), an account of type Bank or Other Current Asset ("Use an Account where
    Account.AccountType is Other Current Asset or Bank"). Its lines are a sales document's."""
    if not (data.get("DepositToAccountRef") or {}).get("value"):
        raise faults.required("DepositToAccountRef")
    account = follow(company, "Account", data["DepositToAccountRef"], "DepositToAccountRef")
    if account.data.get("AccountType") not in ("Bank", "Other Current Asset"):
        raise faults.invalid_property(
            "Property Name:DepositToAccountRef must be a Bank or Other Current Asset account",
            "DepositToAccountRef",
        )
    if "PaymentMethodRef" in data:
        follow(company, "PaymentMethod", data["PaymentMethodRef"], "PaymentMethodRef")
    _sales("RefundReceipt")(company, data, previous)


def _nothing(company, data, previous) -> None:
    return None


PREPARE: dict[str, Prepare] = {
    "Customer": _party("Customer"),
    "Vendor": _party("Vendor"),
    "Employee": _party("Employee"),
    "Item": names.prepare_item,
    "Account": names.prepare_account,
    "PaymentMethod": names.prepare_payment_method,
    "Invoice": _sales("Invoice"),
    "Estimate": _sales("Estimate"),
    "SalesReceipt": _sales("SalesReceipt"),
    "CreditMemo": _sales("CreditMemo"),
    "RefundReceipt": _refund_receipt,
    "Payment": payments.prepare_payment,
    "TimeActivity": activity.prepare_time_activity,
    "Deposit": activity.prepare_deposit,
    "CompanyInfo": _nothing,
    "Preferences": _nothing,
}


def _after(company: SandboxCompany, record: SandboxRecord, before: dict | None) -> None:
    """Side effects on other records: invoice balances, customers' balances."""
    if record.entity == "Payment":
        payments.settle_invoices(company, record, before)
        payments.settle_credit_memos(company, record, before)
    elif record.entity == "Invoice":
        _close_estimates(company, record, before)
        customers = {record.data.get("CustomerRef", {}).get("value")}
        customers.add((before or {}).get("CustomerRef", {}).get("value"))
        for customer_id in customers:
            payments.customer_balance(company, customer_id)


def _linked(data: dict | None, txn_type: str) -> set[str]:
    return {
        str(txn.get("TxnId"))
        for txn in (data or {}).get("LinkedTxn") or []
        if txn.get("TxnType") == txn_type
    }


def _close_estimates(company: SandboxCompany, invoice: SandboxRecord, before: dict | None) -> None:
    """An invoice linked to an estimate closes it, and the estimate links back, as in QBO."""
    for estimate_id in sorted(_linked(invoice.data, "Estimate") - _linked(before, "Estimate")):
        estimate = find(company, "Estimate", estimate_id, for_update=True)
        if estimate is None:
            raise faults.invalid_reference("LinkedTxn", estimate_id)
        links = [
            *estimate.data.get("LinkedTxn", []),
            {"TxnId": invoice.record_id, "TxnType": "Invoice"},
        ]
        store.record_save(
            record=estimate, data={**estimate.data, "TxnStatus": "Closed", "LinkedTxn": links}
        )


def entity_named(name: str) -> Entity:
    return ENTITIES[name]


def create(
    company: SandboxCompany, entity: Entity, body: Any, *, record_id: str | None = None
) -> SandboxRecord:
    """``record_id`` is for seeding only; the API always lets the company's counter choose."""
    if not entity.creatable:
        raise faults.unsupported("Create", entity.name)
    data = clean_body(entity, body)
    with transaction.atomic():
        PREPARE[entity.name](company, data, None)
        record = store.record_create(
            company=company, entity=entity.name, data=data, record_id=record_id
        )
        _after(company, record, None)
    return record


def _locked_current(company: SandboxCompany, entity: Entity, body: Any) -> SandboxRecord:
    """The record the body names, locked, after checking its SyncToken is current."""
    if not isinstance(body, dict):
        raise faults.malformed_body(f"Expected a JSON object for {entity.name}.")
    if body.get("Id") in (None, ""):
        raise faults.required("Id")
    if body.get("SyncToken") in (None, ""):
        raise faults.required("SyncToken")
    record = find(company, entity.name, body["Id"], for_update=True)
    if record is None:
        raise faults.not_found(entity.name, body["Id"])
    if str(body["SyncToken"]) != str(record.version):
        raise faults.stale(entity.name, record.record_id, body["SyncToken"])
    return record


def update(company: SandboxCompany, entity: Entity, body: Any, *, sparse: bool) -> SandboxRecord:
    """Full update (fields left out are cleared) or sparse update (only the fields sent)."""
    if not entity.updatable:
        raise faults.unsupported("Update", entity.name)
    data = clean_body(entity, body)
    with transaction.atomic():
        record = _locked_current(company, entity, body)
        before = copy.deepcopy(record.data)
        kept = {key: value for key, value in before.items() if key.startswith("_")}
        if sparse:
            # python-quickbooks sends "" and [] for every text and list field it was not
            # given; in a sparse update those must not wipe what is stored.
            data = {key: value for key, value in data.items() if value not in ("", [])}
        merged = {**before, **data} if sparse else {**kept, **data}
        PREPARE[entity.name](company, merged, record)
        store.record_save(record=record, data=merged)
        _after(company, record, before)
    return record


def _finish(
    company: SandboxCompany,
    entity: Entity,
    body: Any,
    *,
    action: str,
    allowed: bool,
    change: Callable[[SandboxRecord, dict], None],
) -> SandboxRecord:
    """Delete or void: the same checks, then ``change(record, data before)``."""
    if not allowed:
        raise faults.unsupported(action.title(), entity.name)
    with transaction.atomic():
        record = _locked_current(company, entity, body)
        _refuse_if_paid(record, action)
        before = copy.deepcopy(record.data)
        change(record, before)
        _after(company, record, before)
    return record


def delete(company: SandboxCompany, entity: Entity, body: Any) -> SandboxRecord:
    return _finish(
        company,
        entity,
        body,
        action="delete",
        allowed=entity.deletable,
        change=lambda record, before: store.record_delete(record=record),
    )


def void(company: SandboxCompany, entity: Entity, body: Any) -> SandboxRecord:
    """Void keeps the record with every amount at zero and "Voided" in PrivateNote."""

    def change(record: SandboxRecord, before: dict) -> None:
        data = copy.deepcopy(before)
        _zero_amounts(data)
        data["PrivateNote"] = "Voided"
        data["_voided"] = True
        store.record_save(record=record, data=data, operation="Void")

    return _finish(company, entity, body, action="void", allowed=entity.voidable, change=change)


def _refuse_if_paid(record: SandboxRecord, action: str) -> None:
    if record.entity == "Invoice" and record.data.get("_payments"):
        raise faults.business(
            f"You can't {action} this invoice because it has payments applied to it. "
            "Remove the payments first.",
            code="6480",
        )
    if record.entity == "CreditMemo" and any(
        dec(v) for v in (record.data.get("_used") or {}).values()
    ):
        # Used credit sits in a payment linked to it (see payments.py): that link goes first,
        # as for an invoice with payments.
        raise faults.business(
            f"You can't {action} this credit memo because it is applied to invoices through a "
            "payment. Remove that payment first.",
            code="6480",
        )


def _zero_amounts(data: dict[str, Any]) -> None:
    for line in data.get("Line") or []:
        line["Amount"] = 0.0
        detail = line.get("SalesItemLineDetail")
        if detail is not None:
            detail["Qty"] = 0
    for field in ("TotalAmt", "Balance", "UnappliedAmt", "HomeTotalAmt"):
        if field in data:
            data[field] = 0.0
    if "TxnTaxDetail" in data:
        data["TxnTaxDetail"] = {**data["TxnTaxDetail"], "TotalTax": 0.0, "TaxLine": []}
