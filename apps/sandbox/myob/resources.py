"""The company-file resources the sandbox serves: where each lives under
/accountright/{cf}/, what it stores, which methods it takes and how a body is checked.

MYOB's endpoint index: https://developer.myob.com/apis/business/v2/ (Contact/Customer,
Sale/Invoice/{layout}, Sale/Quote/{layout}, Sale/CustomerPayment, Sale/CreditSettlement,
Sale/CreditRefund, Inventory/Item, GeneralLedger/TaxCode, GeneralLedger/Account,
Banking/TransferMoneyTxn, Banking/SpendMoneyTxn).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from . import records
from .banking import spend_data, transfer_data
from .catalog import item_data
from .contacts import customer_data
from .credits import refund_data, settlement_data
from .payments import payment_data
from .sales import document_data

READ = ("GET",)
WRITE = ("GET", "POST", "PUT", "DELETE")
MADE = ("GET", "POST", "DELETE")


@dataclass(frozen=True)
class Resource:
    path: str
    entity: str
    methods: tuple[str, ...] = READ
    build: Callable | None = None  # (company, body, old data or None) -> data to store
    # For one layout of a document (Sale/Invoice/Service): the stored field naming the layout.
    layout: tuple[str, str] | None = None

    def shows(self, data: dict) -> bool:
        return self.layout is None or data.get(self.layout[0]) == self.layout[1]


def _layouts(path: str, entity: str, field: str) -> list[Resource]:
    found = [Resource(path, entity)]  # every layout, read only (GET /Sale/Invoice)
    for layout in ("Service", "Item"):
        build = partial(document_data, entity=entity, layout=layout)
        found.append(
            Resource(
                f"{path}/{layout}",
                entity,
                WRITE,
                lambda company, body, old, b=build: b(company, body=body, old=old),
                (field, layout),
            )
        )
    return found


RESOURCES = {
    resource.path.lower(): resource
    for resource in [
        Resource("Contact/Customer", records.CUSTOMER, WRITE, customer_data),
        *_layouts("Sale/Invoice", records.INVOICE, "InvoiceType"),
        *_layouts("Sale/Quote", records.QUOTE, "QuoteType"),
        Resource("Sale/CustomerPayment", records.PAYMENT, ("GET", "POST", "DELETE"), payment_data),
        # MYOB's pages list PUT too; the sandbox takes a settlement or refund as made and
        # deleted (docs/sandbox-myob.md, "Credit notes").
        Resource("Sale/CreditSettlement", records.SETTLEMENT, MADE, settlement_data),
        Resource("Sale/CreditRefund", records.CREDIT_REFUND, MADE, refund_data),
        Resource("Inventory/Item", records.ITEM, WRITE, item_data),
        Resource("GeneralLedger/TaxCode", records.TAX_CODE),
        Resource("GeneralLedger/Account", records.ACCOUNT),
        Resource("Banking/TransferMoneyTxn", records.TRANSFER, WRITE, transfer_data),
        Resource("Banking/SpendMoneyTxn", records.SPEND, WRITE, spend_data),
    ]
}


def resource_for(path: str) -> Resource | None:
    return RESOURCES.get(path.strip("/").lower())
