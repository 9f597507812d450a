"""MYOB records in the sandbox's shared store (apps.sandbox.store), one entity per MYOB
resource. Every write goes through here, from the API and the console alike, so UID, URI,
RowVersion and LastModified are kept the same way."""

from __future__ import annotations

from typing import Any

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from .wire import modified_now, new_row_version, new_uid

CUSTOMER = "myob:Contact/Customer"
INVOICE = "myob:Sale/Invoice"
QUOTE = "myob:Sale/Quote"
PAYMENT = "myob:Sale/CustomerPayment"
ITEM = "myob:Inventory/Item"
TAX_CODE = "myob:GeneralLedger/TaxCode"
ACCOUNT = "myob:GeneralLedger/Account"
TRANSFER = "myob:Banking/TransferMoneyTxn"
SPEND = "myob:Banking/SpendMoneyTxn"
SETTLEMENT = "myob:Sale/CreditSettlement"
CREDIT_REFUND = "myob:Sale/CreditRefund"


def path_of(entity: str) -> str:
    return entity.removeprefix("myob:")


def stamped(entity: str, data: dict[str, Any], uid: str) -> dict[str, Any]:
    """The record with its identity and a new version: what MYOB adds on every save."""
    data = {key: value for key, value in data.items() if key not in ("URI", "RowVersion")}
    return {
        "UID": uid,
        **{k: v for k, v in data.items() if k != "UID"},
        "LastModified": modified_now(),
        "URI": f"/{data.get('_path') or path_of(entity)}/{uid}",
        "RowVersion": new_row_version(),
    }


def create(company: SandboxCompany, entity: str, data: dict[str, Any]) -> SandboxRecord:
    uid = new_uid()
    return store.record_create(
        company=company,
        entity=entity,
        record_id=uid,
        data=stamped(entity, data, uid),
        notify=False,
    )


def save(record: SandboxRecord, data: dict[str, Any]) -> SandboxRecord:
    """A change: LastModified moves and RowVersion is new, as after an edit in MYOB itself."""
    return store.record_save(
        record=record, data=stamped(record.entity, data, record.record_id), notify=False
    )


def delete(record: SandboxRecord) -> SandboxRecord:
    return store.record_delete(record=record, notify=False)


def get(
    company: SandboxCompany,
    entity: str,
    uid: str,
    *,
    for_update: bool = False,
    include_deleted: bool = False,
) -> SandboxRecord | None:
    return store.record_get(
        company=company,
        entity=entity,
        record_id=str(uid).lower(),
        for_update=for_update,
        include_deleted=include_deleted,
    )


def data_of(company: SandboxCompany, entity: str, uid: Any) -> dict[str, Any] | None:
    """The stored data of a live record, or None (also for a UID that is not text)."""
    if not isinstance(uid, str) or not uid:
        return None
    record = get(company, entity, uid)
    return record.data if record is not None else None


def all_data(company: SandboxCompany, entity: str) -> list[dict[str, Any]]:
    return [row.data for row in store.records(company, entity).order_by("created_at", "pk")]
