"""What both ledger mappings need to show the hub's totals to the cent (docs/money.md).

The hub's rule is ``apps.common.documents.compute_totals``. A ledger prices each line itself
(QuickBooks: Amount = Qty × UnitPrice; Xero: Quantity × UnitAmount less DiscountRate), so when
the discounts or tax have to be carried on the lines (QuickBooks in the US folds them into the
price; Xero has no document discount and takes a tax amount per line), these shares are rounded
so that they add up exactly to the hub's figures. Whatever a ledger's own line arithmetic then
leaves over goes on a visible "Rounding" line, never into a line whose amount would no longer be
its quantity × price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from apps.common.documents import DocumentLine, Totals, compute_totals, discounted_share
from apps.common.money import (
    CENT,
    HUNDRED,
    PRICE_PLACES,
    ZERO,
    percent_of,
    round_money,
    round_places,
)

from .contract import RemoteLine

# The description of the line that carries a rounding residue; readers leave it out.
ROUNDING_DESCRIPTION = "Rounding"


@dataclass(frozen=True)
class LineShare:
    net: Decimal  # after the line's own discount and its share of the document discount
    tax: Decimal


@dataclass(frozen=True)
class PricedLine:
    """A line as a ledger that computes Amount = Qty × UnitPrice will hold it."""

    unit_price: Decimal
    amount: Decimal
    residue: Decimal  # what the wanted amount has that Qty × UnitPrice cannot carry


def distribute(exact: Sequence[Decimal], target: Decimal) -> list[Decimal]:
    """Round each value to cents, then move the leftover cents (largest remainder first)
    so that the rounded values add up to ``target``."""
    rounded = [round_money(value) for value in exact]
    residue = target - sum(rounded, ZERO)
    if not exact or residue == ZERO:
        return rounded
    step = CENT if residue > 0 else -CENT
    # Lines whose rounding lost the most (or gained the most, for a negative residue) go first;
    # lines with nothing on them are never given cents.
    candidates = [i for i, value in enumerate(exact) if value != ZERO] or list(range(len(exact)))
    order = sorted(
        candidates,
        key=lambda i: (exact[i] - rounded[i]) * (1 if step > 0 else -1),
        reverse=True,
    )
    count = int(abs(residue) / CENT)
    for n in range(count):
        rounded[order[n % len(order)]] += step
    return rounded


def line_shares(
    lines: Sequence[DocumentLine], *, discount_percent: Decimal, tax_rate: Decimal
) -> tuple[list[LineShare], Totals]:
    """Each line's net amount and tax, and the hub's totals they add up to."""
    totals = compute_totals(lines, discount_percent=discount_percent, tax_rate=tax_rate)
    lines_total = sum(totals.line_amounts, ZERO)
    exact_net = [
        discounted_share(amount, lines_total=lines_total, discount=totals.document_discount)
        for amount in totals.line_amounts
    ]
    exact_tax = [
        percent_of(net, Decimal(tax_rate)) if line.taxable else ZERO
        for line, net in zip(lines, exact_net, strict=True)
    ]
    nets = distribute(exact_net, lines_total - totals.document_discount)
    taxes = distribute(exact_tax, totals.tax_total)
    return [LineShare(net=n, tax=t) for n, t in zip(nets, taxes, strict=True)], totals


def priced_for(quantity: Decimal, wanted: Decimal, *, places: int = PRICE_PLACES) -> PricedLine:
    """The unit price (to ``places`` decimals) that makes Qty × UnitPrice come to ``wanted``,
    the amount that product really rounds to, and the cents it still misses."""
    quantity = Decimal(quantity)
    if not quantity:
        return PricedLine(unit_price=ZERO, amount=ZERO, residue=wanted)
    price = round_places(wanted / quantity, places)
    amount = round_money(quantity * price)
    return PricedLine(unit_price=price, amount=amount, residue=wanted - amount)


def tax_exclusive(lines: list[RemoteLine], rate: Decimal) -> list[RemoteLine]:
    """The lines of a document a ledger holds tax-inclusive (QuickBooks ``GlobalTaxCalculation:
    TaxInclusive``, Xero ``LineAmountTypes: Inclusive``), read as the hub holds every line,
    before tax: each taxed line's price and amount without the rate's share (110.00 at 10 %
    reads as 100.00), so the hub's tax on them is the ledger's but for rounding
    (docs/money.md, "Tax-inclusive documents")."""
    if not rate:
        return lines
    factor = HUNDRED / (HUNDRED + rate)
    return [
        replace(
            line,
            unit_price=round_places(line.unit_price * factor, PRICE_PLACES),
            amount=round_money(line.amount * factor) if line.amount is not None else None,
        )
        if line.taxable
        else line
        for line in lines
    ]
