"""Money is Decimal, rounded here and nowhere else.

The rounding rule the hub and both ledger mappings share (docs/money.md):
- a line's amount is quantity × price less its line discount, rounded half up to the cent, one
  line at a time, as QuickBooks and Xero price a line;
- the document discount is a percentage of the sum of the line amounts, rounded once;
- tax is worked out per rate on the taxable lines' share of the discounted sum, rounded once.
Quantities and unit prices keep QuickBooks' precision (7 decimals); only amounts are cents.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
# QuickBooks keeps up to 7 decimals on a line's quantity and unit price; amounts have 2.
# https://help.breadwinner.com/support/solutions/articles/44001664304
QUANTITY_PLACES = 7
PRICE_PLACES = 7
# Whole digits the models allow before the decimal point (quantity, price).
WHOLE_DIGITS = 10


def round_money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def round_places(value: Decimal | int | str, places: int) -> Decimal:
    """``value`` to ``places`` decimals, half up (a ledger's unit price or quantity)."""
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, unrounded (callers round once, at the end)."""
    return amount * Decimal(percent) / HUNDRED


def percent_for(amount: Decimal, base: Decimal) -> Decimal:
    """The percentage of ``base`` that rounds to ``amount``, with as few decimals as it takes
    (0 to 2): a discount a ledger holds as a fixed amount reads back as the hub's 10 %."""
    exact = Decimal(amount) * HUNDRED / Decimal(base)
    for places in range(3):
        percent = round_places(exact, places)
        if round_money(percent_of(Decimal(base), percent)) == Decimal(amount):
            return percent
    return round_places(exact, 2)


def line_amount(quantity, unit_price, discount_percent=ZERO) -> Decimal:
    """Quantity × price less the line's discount, to the cent: what every ledger shows."""
    gross = Decimal(quantity) * Decimal(unit_price)
    return round_money(gross - percent_of(gross, Decimal(discount_percent)))


def plain(value: Decimal | None, min_places: int = 0) -> str:
    """A quantity or price as people write it: no trailing zeros past ``min_places``."""
    if value is None:
        return ""
    number = Decimal(value)
    text = f"{number.normalize():f}" if number else "0"
    whole, _, fraction = text.partition(".")
    fraction = fraction.ljust(min_places, "0")
    return f"{whole}.{fraction}" if fraction else whole


def to_minor_units(value: Decimal | int | str) -> int:
    """An amount in cents, as Stripe counts (two-decimal currencies only, docs/payouts.md);
    ValueError when it is not a number of at most two decimals."""
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(f"Not an amount: {value!r}") from None
    if not amount.is_finite() or amount != round_money(amount):
        raise ValueError(f"Not an amount to the cent: {value!r}")
    return int(amount * 100)


def from_minor_units(value: int) -> Decimal:
    """Stripe's integer minor units as money: 12050 → Decimal("120.50")."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Not an amount in minor units: {value!r}")
    return round_money(Decimal(value) / 100)
