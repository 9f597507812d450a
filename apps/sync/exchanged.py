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

from apps.integrations.contract import RemoteDocument, RemoteLine

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
LINE_FIELDS = (
    "line_id",
    "description",
    "item_name",
    "quantity",
    "unit_price",
    "discount_percent",
    "taxable",
)
# Which line is which, not what it says: never compared.
LINE_IDENTITY = frozenset({"line_id", "item_name"})
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
    lines: dict[int, dict[str, Any]] = field(default_factory=dict)  # by stored position
    added: list[RemoteLine] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # positions in the stored form

    def __bool__(self) -> bool:
        return bool(self.header or self.lines or self.added or self.removed)


def difference(stored: dict[str, Any], pulled: RemoteDocument) -> Difference:
    """Compare header fields, then lines: by the integration's line ids when every line has
    one, otherwise by position. A different item name alone (the ledger's own item list) is no
    edit of a line."""
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
    matched = _matched_lines(before, after)
    for position_now, position in matched.items():
        changed = {
            name: getattr(pulled.lines[position_now], name)
            for name in LINE_FIELDS
            if name not in LINE_IDENTITY and before[position].get(name) != after[position_now][name]
        }
        if changed:
            found.lines[position] = changed
    found.added = [line for q, line in enumerate(pulled.lines) if q not in matched]
    found.removed = sorted(set(range(len(before))) - set(matched.values()))
    return found


def _matched_lines(before: list[dict], after: list[dict]) -> dict[int, int]:
    """Pulled line position → stored line position, for the lines both hold."""
    ids_before = [line.get("line_id") for line in before]
    ids_after = [line["line_id"] for line in after]
    if all(ids_before) and all(ids_after) and len(set(ids_before)) == len(ids_before):
        index = {line_id: position for position, line_id in enumerate(ids_before)}
        return {q: index[line_id] for q, line_id in enumerate(ids_after) if line_id in index}
    return {q: q for q in range(min(len(before), len(after)))}
