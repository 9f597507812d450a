"""Which hub fields a pulled change to a linked invoice or quote becomes (docs/round-trips.md).

Pure planning over the hub document, the form last exchanged with the integration and the
difference a pull found; ``apply.linked_document_apply`` hands the plan to the domain services.

A field is applied when the integration carries it as the hub means it: its value in the form
last exchanged equals the hub's own. A field the integration holds in another shape (a price
with tax and discounts folded in, one discount rate standing for two) changed there cannot be
mapped back without guessing: the hub keeps its structure and takes the integration's total
through a visible adjustment line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from apps.common.adjustments import (
    adjustment_amount,
    adjustment_description,
    adjustment_line,
    is_adjustment,
)
from apps.common.lines import LineInput
from apps.common.money import HUNDRED, ZERO

from .exchanged import Difference
from .fingerprints import plain

LINE_LABELS = {
    "description": "description",
    "quantity": "quantity",
    "unit_price": "price",
    "discount_percent": "line discount",
    "taxable": "taxable flag",
}
HEADER_LABELS = {
    "customer_remote_id": "customer",
    "issue_date": "issue date",
    "due_date": "due date",
    "billing_email": "billing e-mail",
    "currency": "currency",
    "discount_percent": "document discount",
    "tax_rate": "tax rate",
    "status": "status",
}
# Always carried as the hub means them: applied even when the hub changed them meanwhile.
PLAIN_LINE_FIELDS = ("description", "quantity")
PAID_STATES = ("paid", "partially_paid")
# Below this, a tax rate worked out from a ledger's tax amounts moved by rounding alone.
RATE_ROUNDING = Decimal("0.1")


@dataclass
class Plan:
    header: dict[str, Any] = field(default_factory=dict)
    lines: list[LineInput] = field(default_factory=list)
    adjustments: list[LineInput] = field(default_factory=list)
    status: str | None = None
    applied: list[str] = field(default_factory=list)
    lossy: list[str] = field(default_factory=list)
    adjustment: Decimal | None = None  # this integration's adjustment line, when one was made
    # The hub's document discount and tax rate, for the header values the plan leaves alone.
    hub_discount: Decimal = ZERO
    hub_tax_rate: Decimal = ZERO


def line_input(line) -> LineInput:
    return LineInput(
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount_percent=line.discount_percent,
        taxable=line.taxable,
        service_item=line.service_item,
    )


def plan_changes(
    document, diff: Difference, stored: dict[str, Any], *, customer, end_field: str, source: str
) -> Plan:
    """The hub's new header values, lines and adjustment for what ``diff`` found."""
    plan = Plan(hub_discount=document.discount_percent, hub_tax_rate=document.tax_rate)
    _drop_rounding_of_rates(diff, stored)
    _plan_header(plan, document, diff, stored, customer=customer, end_field=end_field)
    hub_lines = list(document.lines.all())
    stored_lines = stored.get("lines") or []
    # Adjustment lines the integration never received are not among its lines.
    regular = [line for line in hub_lines if not is_adjustment(line)]
    paired = hub_lines if len(stored_lines) == len(hub_lines) else regular
    for position, line in enumerate(paired):
        if is_adjustment(line):
            continue  # the ledger holds it too, but it stays the hub's (below)
        if position in diff.removed:
            plan.applied.append(f"line {position + 1} removed")
            continue
        old = stored_lines[position] if position < len(stored_lines) else {}
        plan.lines.append(_line_changed(plan, line, old, diff.lines.get(position, {}), position))
    header_discount_carried = stored.get("discount_percent") == plain(document.discount_percent)
    for offset, remote in enumerate(diff.added, start=len(plan.lines) + 1):
        plan.lines.append(_line_added(remote, document, folded=not header_discount_carried))
        plan.applied.append(f"line {offset} added")
    own = adjustment_description(source)
    # Adjustment lines stay last, this integration's last of all.
    adjustments = [line for line in hub_lines if is_adjustment(line)]
    adjustments.sort(key=lambda line: line.description == own)
    plan.adjustments = [line_input(line) for line in adjustments]
    return plan


def _drop_rounding_of_rates(diff: Difference, stored: dict[str, Any]) -> None:
    """A ledger that states tax only as amounts per line (Xero) gives a rate worked out from
    them, which moves by hundredths when the lines change: that is rounding, not a new rate."""
    if "tax_rate" not in diff.header or not (diff.lines or diff.added or diff.removed):
        return
    before = Decimal(str(stored.get("tax_rate") or 0))
    if abs(Decimal(diff.header["tax_rate"]) - before) < RATE_ROUNDING:
        del diff.header["tax_rate"]


def _plan_header(plan: Plan, document, diff, stored, *, customer, end_field: str) -> None:
    for name, value in diff.header.items():
        label = HEADER_LABELS[name]
        if name == "status":
            plan.status = _status(document, value)
            if plan.status:
                plan.applied.append(f"status {value}")
            continue
        if name == "customer_remote_id":
            plan.header["customer"] = customer
        elif name == "billing_email" and not value:
            continue  # not every integration reads it back: an empty one erases nothing
        elif name in ("discount_percent", "tax_rate"):
            if stored.get(name) != plain(getattr(document, name)):
                plan.lossy.append(f"the {label}")
                continue
            plan.header[name] = value
        else:
            plan.header[end_field if name == "due_date" else name] = value
        plan.applied.append(f"{label} {_shown(value)}")


def _status(document, status: str) -> str | None:
    """The integration's new status, unless payments decide it (they arrive as payments) or
    the hub has already moved past it (paid, cancelled)."""
    if status in PAID_STATES or status == "cancelled" or document.status == "cancelled":
        return None
    if document.status in (*PAID_STATES, "credited"):
        # Paid and credited states follow the payments and credit notes (docs/credit-notes.md).
        return None
    valid = {choice for choice, _ in type(document).Status.choices}
    return status if status in valid and status != document.status else None


def _line_changed(plan: Plan, line, old: dict, changes: dict, position: int) -> LineInput:
    values = {
        "description": line.description,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "discount_percent": line.discount_percent,
        "taxable": line.taxable,
    }
    for name, value in changes.items():
        label = f"the {LINE_LABELS[name]} of line {position + 1}"
        if name not in PLAIN_LINE_FIELDS and old.get(name) != plain(values[name]):
            plan.lossy.append(label)
            continue
        if name == "description" and not value:
            continue
        values[name] = value
        plan.applied.append(f"{label} {_shown(value)}")
    return LineInput(**values, service_item=line.service_item)


def _line_added(remote, document, *, folded: bool) -> LineInput:
    """A line added in the integration. Where the integration holds the document discount
    inside each line's discount, the line's own share is what is left once the document
    discount is taken out (never below zero)."""
    discount = Decimal(remote.discount_percent)
    keep_document = 1 - Decimal(document.discount_percent) / HUNDRED
    if folded and keep_document > 0:
        own = (1 - (1 - discount / HUNDRED) / keep_document) * HUNDRED
        discount = max(ZERO, own.quantize(Decimal("0.01")))
    return LineInput(
        description=remote.description or remote.item_name or "Item",
        quantity=remote.quantity,
        unit_price=remote.unit_price,
        discount_percent=discount,
        taxable=remote.taxable,
    )


def plan_adjustment(plan: Plan, *, source: str, target_total: Decimal) -> None:
    """Bring the total to the integration's through ``source``'s adjustment line, replacing
    the one it had."""
    own = adjustment_description(source)
    others = [line for line in plan.adjustments if line.description != own]
    amount = adjustment_amount(
        [*plan.lines, *others],
        source=source,
        discount_percent=plan.header.get("discount_percent", plan.hub_discount),
        tax_rate=plan.header.get("tax_rate", plan.hub_tax_rate),
        target_total=target_total,
    )
    if amount is None:
        return
    plan.adjustments = others + ([adjustment_line(source, amount)] if amount else [])
    plan.adjustment = amount


def _shown(value) -> str:
    if isinstance(value, Decimal):
        return f"→ {value.normalize():f}"
    return f"→ {value}"
