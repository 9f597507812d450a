"""Service items for ``XeroAdapter``, and what Xero cannot take (time activities).

A hub item becomes a Xero Item with a Code (Xero's key, at most 30 characters) made from its
name; an existing item with that code, or else that name, is matched and updated rather than
copied. Document lines of a linked item carry its ``ItemCode``; the line keeps its own
description, price, account and tax type, so Xero's totals are the hub's either way.
https://developer.xero.com/documentation/api/accounting/items
"""

from __future__ import annotations

from decimal import Decimal

from apps.integrations.contract import PermanentError, Pushed, RemoteEmployee
from apps.integrations.wire import malformed_is_transient

from . import mapping

_guarded = malformed_is_transient("Xero")
CODE_MAX = 30
NAME_MAX = 50
NO_TIME = "Xero's accounting API has no time activities: timesheets are not sent to Xero."


def item_code(item) -> str:
    return " ".join(item.name.split())[:CODE_MAX].strip()


def item_to_xero(item, *, account_code: str, exempt_tax_type: str) -> dict:
    name = " ".join(item.name.split())[:NAME_MAX]
    if not name:
        raise PermanentError("The service item has no name, which Xero requires.")
    sales: dict = {"UnitPrice": Decimal(item.unit_price), "AccountCode": account_code}
    if not item.taxable:
        sales["TaxType"] = exempt_tax_type
    return {
        "Name": name,
        "Description": item.description[:4000],
        "IsSold": True,
        "SalesDetails": sales,
    }


class ItemMixin:
    """The service-item half of ``XeroAdapter``."""

    linked_items: dict[int, str]

    def _item_where(self, field: str, value: str) -> dict | None:
        rows = self.client.get_list("Items", {"where": f"{field}=={mapping.where_literal(value)}"})
        return rows[0] if rows else None

    @_guarded
    def push_item(self, item, remote_id: str | None, *, key: str) -> Pushed:
        body = item_to_xero(
            item,
            account_code=self._line_accounts_of(item.pk)
            or self._account_code("REVENUE", "200", "income"),
            exempt_tax_type=self._tax_types(Decimal(0)).exempt,
        )
        matched = False
        if remote_id is None:
            code = item_code(item)
            found = self._item_where("Code", code) or self._item_where("Name", body["Name"])
            if found is None:
                data = self.client.create("Items", {"Code": code, **body}, key=key)
            else:
                remote_id, matched = str(found["ItemID"]), True
        if remote_id is not None:
            # Xero wants the Code on every write; the one it has is kept (a bookkeeper's code
            # for a matched item, ours otherwise).
            code = self.client.get_one("Items", remote_id).get("Code") or item_code(item)
            data = self.client.update("Items", remote_id, {"Code": code, **body})
        pushed = Pushed(
            remote_id=mapping.required(data, "ItemID", "item"),
            remote_version=mapping.version_of(data, "item"),
            remote_name=str(data.get("Name") or ""),
            matched=matched,
        )
        self._item_codes[pushed.remote_id] = str(data.get("Code") or "")
        return pushed

    def _with_item_codes(self, body: dict, lines) -> dict:
        """Each line of a linked item names its code (lines come first, in order; a rounding
        line, when there is one, comes after them and has no item)."""
        wanted = {self.linked_items.get(line.service_item_id or 0) for line in lines} - {None}
        if not wanted:
            return body
        if not wanted <= set(self._item_codes):
            for row in self.client.get_list("Items"):
                self._item_codes[str(row.get("ItemID"))] = str(row.get("Code") or "")
        for line, element in zip(lines, body["LineItems"], strict=False):
            code = self._item_codes.get(self.linked_items.get(line.service_item_id or 0, ""))
            if code:
                element["ItemCode"] = code
        return body

    def push_time_entry(self, entry, remote_id, **kwargs) -> Pushed:
        raise PermanentError(NO_TIME)

    def list_employees(self) -> list[RemoteEmployee]:
        return []
