"""Service items for ``MyobAdapter`` (``Inventory/Item``), and what MYOB is not sent
(time activities).

A hub item becomes a sold, not bought, not inventoried MYOB item whose ``Number`` (MYOB's key,
at most 30 characters) is made from its name; an existing item of that number, or else that
name, is matched and updated rather than copied.
https://developer.myob.com/api/myob-business-api/v2/inventory/item/
"""

from __future__ import annotations

from decimal import Decimal

from apps.integrations.contract import PermanentError, Pushed, RemoteEmployee
from apps.integrations.wire import malformed_is_transient

from . import mapping

_guarded = malformed_is_transient("MYOB")
NUMBER_MAX = 30
NAME_MAX = 30
NO_TIME = "MYOB time billing is not connected: timesheets are not sent to MYOB."


def item_number(item) -> str:
    return " ".join(item.name.split())[:NUMBER_MAX].strip()


def item_body(item, current: dict | None, *, account_uid: str, tax_code_uid: str) -> dict:
    name = " ".join(item.name.split())[:NAME_MAX]
    if not name:
        raise PermanentError("The service item has no name, which MYOB requires.")
    body = dict(current or {})
    selling = dict(body.get("SellingDetails") or {})
    selling |= {
        "BaseSellingPrice": Decimal(item.unit_price),
        "IsTaxInclusive": False,
        "TaxCode": mapping.ref(tax_code_uid),
    }
    body |= {
        "Number": body.get("Number") or item_number(item),
        "Name": name,
        "Description": item.description[: mapping.DESCRIPTION_MAX],
        "IsActive": bool(item.active),
        "IsSold": True,
        "IncomeAccount": mapping.ref(account_uid),
        "SellingDetails": selling,
    }
    if current is None:
        body |= {"IsBought": False, "IsInventoried": False}
    return body


def pushed_item(row: dict, *, matched: bool = False) -> Pushed:
    return Pushed(
        remote_id=mapping.uid_of(row, "an item"),
        remote_version=mapping.version_of(row, "an item"),
        remote_name=str(row.get("Name") or ""),
        matched=matched,
    )


class ItemMixin:
    """The service-item half of ``MyobAdapter``."""

    def _item_where(self, field: str, value: str) -> dict | None:
        rows = self.client.get_where(mapping.ITEMS, f"{field} eq {mapping.odata_text(value)}")
        return rows[0] if rows else None

    @_guarded
    def push_item(self, item, remote_id: str | None, *, key: str) -> Pushed:
        if item.taxable:
            tax_code = self._taxable_code_for_items()
        else:
            tax_code = self.tax_codes_for(Decimal(0)).exempt

        def build(current):
            return item_body(
                item, current, account_uid=self.item_account(item.pk), tax_code_uid=tax_code
            )

        matched = False
        if remote_id is None:
            found = self._item_where("Number", item_number(item)) or self._item_where(
                "Name", " ".join(item.name.split())[:NAME_MAX]
            )
            if found is None:
                return pushed_item(self.client.create(mapping.ITEMS, build(None)))
            remote_id, matched = str(found["UID"]), True
        row = self.updated(mapping.ITEMS, remote_id, build)
        return pushed_item(row, matched=matched)

    def _taxable_code_for_items(self) -> str:
        """The file's GST code (an item's default; each document line sets its own)."""
        codes = self._tax_codes()
        gst = next((c for c in codes if c.get("Code") == "GST"), None)
        if gst is None:
            raise PermanentError("The MYOB company file has no GST tax code.")
        return str(gst["UID"])

    def push_time_entry(self, entry, remote_id, **kwargs) -> Pushed:
        raise PermanentError(NO_TIME)

    def list_employees(self) -> list[RemoteEmployee]:
        return []
