"""What was last exchanged with an integration, and what a pulled record changed since.

The form kept on a link is the record as the integration holds it, read by the adapter's own
reader (the answer to a push, or the pulled record), in the engine's neutral shape. Comparing a
later pull with it tells which fields the integration really changed: a field the integration
cannot carry (a US QuickBooks line holds no tax rate) reads the same each time, so it never shows
as a change and never erases the hub's value (docs/round-trips.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .adapters import RemoteDocument, RemoteLine
from .fingerprints import plain

HEADER_FIELDS = (
    "customer_remote_id",
    "number",
    "issue_date",
    "due_date",
    "billing_email",
    "currency",
    "discount_percent",
    "discount_amount",
    "tax_rate",
    "status",
    "total",
    "amount_paid",
)
LINE_FIELDS = ("description", "item_name", "quantity", "unit_price", "discount_percent", "taxable")
# Derived from other fields, or from payments (which arrive as payments): never applied as such.
DERIVED = frozenset({"number", "total", "amount_paid", "discount_amount"})


def form_of(document: RemoteDocument) -> dict[str, Any]:
    """The JSON kept on a link for ``document``."""
    form = {name: plain(getattr(document, name)) for name in HEADER_FIELDS}
    form["lines"] = [
        {name: plain(getattr(line, name)) for name in LINE_FIELDS} for line in document.lines
    ]
    return form


@dataclass
class Difference:
    """Fields of a pulled document that differ from the stored form (values as pulled)."""

    header: dict[str, Any] = field(default_factory=dict)
    lines: dict[int, dict[str, Any]] = field(default_factory=dict)  # by position
    added: list[RemoteLine] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # positions in the stored form

    def __bool__(self) -> bool:
        return bool(self.header or self.lines or self.added or self.removed)


def difference(stored: dict[str, Any], pulled: RemoteDocument) -> Difference:
    """Compare header fields, then lines by position. A line's description and item name
    together make its text: a different item name alone (the ledger's item list) is no edit."""
    now = form_of(pulled)
    found = Difference()
    for name in HEADER_FIELDS:
        if name not in DERIVED and stored.get(name) != now[name]:
            found.header[name] = getattr(pulled, name)
    if (
        now["discount_amount"] is not None
        and stored.get("discount_amount") == now["discount_amount"]
    ):
        found.header.pop("discount_percent", None)  # the same fixed amount over other lines
    before, after = stored.get("lines") or [], now["lines"]
    for position, (old, new) in enumerate(zip(before, after, strict=False)):
        changed = {
            name: getattr(pulled.lines[position], name)
            for name in LINE_FIELDS
            if name != "item_name" and old.get(name) != new[name]
        }
        if changed:
            found.lines[position] = changed
    found.added = list(pulled.lines[len(before) :])
    found.removed = list(range(len(after), len(before)))
    return found
