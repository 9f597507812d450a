"""Per-line shares of a document's discounts and tax, in cents that add up to the hub's totals.

Providers round per line; the hub rounds once per document (``compute_totals``). When a provider
needs discounts or tax carried on the lines (QBO in the US folds them into the price, Xero states
a line amount and tax amount), these shares are rounded so that their sums are exactly the hub's
``subtotal - discount_total`` and ``tax_total``: the provider's total then equals the hub's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from apps.common.documents import DocumentLine, Totals, compute_totals
from apps.common.money import CENT, HUNDRED, ZERO, round_money


@dataclass(frozen=True)
class LineShare:
    net: Decimal  # after the line's own discount and its share of the document discount
    tax: Decimal


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
    keep = 1 - Decimal(discount_percent) / HUNDRED
    exact_net, exact_tax = [], []
    for line in lines:
        gross = Decimal(line.quantity) * Decimal(line.unit_price)
        net = gross * (1 - Decimal(line.discount_percent) / HUNDRED) * keep
        exact_net.append(net)
        exact_tax.append(net * Decimal(tax_rate) / HUNDRED if line.taxable else ZERO)
    nets = distribute(exact_net, totals.subtotal - totals.discount_total)
    taxes = distribute(exact_tax, totals.tax_total)
    return [LineShare(net=n, tax=t) for n, t in zip(nets, taxes, strict=True)], totals
