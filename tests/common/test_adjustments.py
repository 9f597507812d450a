"""The adjustment line that brings a document's total to a ledger's, to the cent."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.common.adjustments import adjustment_amount, adjustment_line, is_adjustment
from apps.common.documents import compute_totals
from apps.common.lines import LineInput

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
percent = st.decimals(min_value=Decimal("0"), max_value=Decimal("50"), places=2)
line = st.builds(
    LineInput,
    description=st.just("Work"),
    quantity=st.decimals(min_value=Decimal("0.25"), max_value=Decimal("40"), places=2),
    unit_price=money,
    discount_percent=percent,
    taxable=st.booleans(),
)


@settings(max_examples=100, deadline=None)
@given(
    lines=st.lists(line, min_size=1, max_size=8),
    discount=percent,
    tax_rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("25"), places=2),
    shift=st.decimals(min_value=Decimal("-300"), max_value=Decimal("300"), places=2),
)
def test_adjustment_makes_the_total_the_ledgers_to_the_cent(lines, discount, tax_rate, shift):
    """Exactly the ledger's total wherever a price can give it; where the once-rounded discount
    and tax make the total skip that cent, the nearest, a cent away, and truly no price hits it."""
    target = compute_totals(lines, discount_percent=discount, tax_rate=tax_rate).total + shift
    amount = adjustment_amount(
        lines,
        source="QuickBooks Online",
        discount_percent=discount,
        tax_rate=tax_rate,
        target_total=target,
    )

    def total_with(price: Decimal) -> Decimal:
        with_adjustment = [*lines, adjustment_line("QuickBooks Online", price)]
        return compute_totals(with_adjustment, discount_percent=discount, tax_rate=tax_rate).total

    reached = total_with(amount)
    if reached != target:
        assert abs(reached - target) == Decimal("0.01")
        cents = [amount + Decimal(step) / 100 for step in range(-300, 301)]
        assert all(total_with(price) != target for price in cents)


def test_adjustment_line_is_visible_untaxed_and_recognised_by_its_description():
    adjustment = adjustment_line("Xero", Decimal("-12.34"))
    assert adjustment.description == "Adjustment to match Xero"
    assert not adjustment.taxable and adjustment.quantity == 1
    assert is_adjustment(adjustment)
    assert not is_adjustment(LineInput("Boiler service", Decimal("1"), Decimal("250")))


def test_no_adjustment_can_move_a_total_under_a_full_discount():
    lines = [LineInput("Work", Decimal("1"), Decimal("100"))]
    assert (
        adjustment_amount(
            lines,
            source="Xero",
            discount_percent=Decimal("100"),
            tax_rate=Decimal("0"),
            target_total=Decimal("10"),
        )
        is None
    )
