"""Service items and the income account they are sold under, for ``QuickBooksAdapter``.

An item the hub sends is matched by Name first (QuickBooks keeps item names unique), so a company
that already lists the service gets it updated rather than a second copy. A matched item keeps
its own Type and income account; only what the hub owns is written (name, description, price,
taxable status, active).
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/item
"""

from __future__ import annotations

from apps.integrations import mappings
from apps.integrations.contract import PermanentError, Pushed
from apps.integrations.wire import malformed_is_transient

from . import mapping

_guarded = malformed_is_transient("QuickBooks")
NAME_MAX = 100


def item_fields(item) -> dict:
    """What the hub owns of a QuickBooks item."""
    name = mapping.clean_display_name(item.name)[:NAME_MAX]
    if not name:
        raise PermanentError("The service item has no name, which QuickBooks requires.")
    return {
        "Name": name,
        "Description": item.description[:4000],
        "UnitPrice": item.unit_price,
        "Taxable": item.taxable,
        "Active": item.active,
    }


class ItemMixin:
    """The service-item half of ``QuickBooksAdapter``."""

    linked_items: dict[int, str]

    def _linked_item_refs(self, lines) -> None:
        """Lines of a service item linked in this company use that item, whatever its name
        there now (a rename in QuickBooks must not make a second item)."""
        for line in lines:
            remote_id = self.linked_items.get(line.service_item_id or 0)
            if remote_id:
                name = mapping.item_name_of(line)
                self._item_refs[name] = {"value": remote_id, "name": name}

    @_guarded
    def push_item(self, item, remote_id: str | None, *, key: str) -> Pushed:
        fields = item_fields(item)
        matched = False
        if remote_id is None:
            found = self.client.query(
                f"select * from Item where Name = {mapping.query_literal(fields['Name'])}"
            )
            if found:
                remote_id, matched = str(found[0]["Id"]), True
        if remote_id is None:
            body = {
                **fields,
                "Type": "Service",
                "IncomeAccountRef": {"value": self._income_account_id(item.pk)},
            }
            data = self.client.create("Item", body, key=key)
        else:
            own = mappings.item_accounts(self.integration).get(item.pk)
            # An item of its own income account (docs/mapping.md) is moved to it; others keep
            # the account they have in QuickBooks.
            extra = {"IncomeAccountRef": {"value": own}} if own else {}
            data = self._update("Item", remote_id, {**fields, **extra})
        self._item_refs[str(data.get("Name", ""))] = {
            "value": str(data["Id"]),
            "name": data["Name"],
        }
        return Pushed(
            remote_id=str(data.get("Id") or ""),
            remote_version=mapping.version_of(data, "Item"),
            remote_name=str(data.get("Name", "")),
            matched=matched,
        )
