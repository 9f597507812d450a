"""Adjustment lines: how a document takes a total it cannot explain line by line.

When a ledger holds a document in a shape that cannot be mapped back without loss (a price with
tax and discounts folded into it, edited there), the document keeps its own lines, discounts and
tax rate and gains one visible, non-taxable line whose amount brings its total to the ledger's
(docs/round-trips.md). Each source has at most one such line, recognised by its description.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from apps.common.documents import compute_totals
from apps.common.lines import LineInput
from apps.common.money import CENT, HUNDRED, ZERO, round_money

ADJUSTMENT_PREFIX = "Adjustment to match "
# Cents tried either side of the first estimate: the document discount and the per-document
# rounding move a line's effect on the total by less than a cent per cent of its price.
SEARCH_CENTS = 5


def adjustment_description(source: str) -> str:
    return f"{ADJUSTMENT_PREFIX}{source}"[:500]


def is_adjustment(line) -> bool:
    return (line.description or "").startswith(ADJUSTMENT_PREFIX)


def adjustment_line(source: str, amount: Decimal) -> LineInput:
    return LineInput(
        description=adjustment_description(source),
        quantity=Decimal("1"),
        unit_price=amount,
        taxable=False,
    )


def adjustment_amount(
    lines: Sequence[LineInput],
    *,
    source: str,
    discount_percent: Decimal,
    tax_rate: Decimal,
    target_total: Decimal,
) -> Decimal | None:
    """The price of ``source``'s adjustment line that makes the document's total
    ``target_total`` exactly, or, where no price does (the discount and the tax on the
    discounted share are rounded once each, so a total can skip a cent), the price that comes
    nearest; None under a 100 % document discount, where no line moves the total. A total left
    a cent away is then sent back to the ledger as the hub has it (docs/round-trips.md)."""
    keep = 1 - Decimal(discount_percent) / HUNDRED
    if keep <= ZERO:
        return None

    def total_with(amount: Decimal) -> Decimal:
        with_line = [*lines, adjustment_line(source, amount)]
        totals = compute_totals(with_line, discount_percent=discount_percent, tax_rate=tax_rate)
        return totals.total

    without = compute_totals(lines, discount_percent=discount_percent, tax_rate=tax_rate).total
    guess = round_money((Decimal(target_total) - without) / keep)
    nearest, miss = None, None
    for step in range(SEARCH_CENTS + 1):
        for amount in (guess + step * CENT, guess - step * CENT):
            off = abs(total_with(amount) - Decimal(target_total))
            if not off:
                return amount
            if miss is None or off < miss:
                nearest, miss = amount, off
    return nearest
