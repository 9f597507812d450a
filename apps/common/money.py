"""Money is Decimal, rounded here and nowhere else."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def round_money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, unrounded (callers round once, at the end)."""
    return amount * Decimal(percent) / HUNDRED
