"""What quotes and invoices share: header fields, lines and the one place totals are computed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.common.money import (
    PRICE_PLACES,
    QUANTITY_PLACES,
    WHOLE_DIGITS,
    ZERO,
    line_amount,
    percent_of,
    plain,
    round_money,
)

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Document(models.Model):
    """Abstract base of Quote and Invoice."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT)
    number = models.CharField(max_length=30)
    issue_date = models.DateField()
    billing_email = models.EmailField(blank=True)
    currency = models.CharField(max_length=3)
    discount_percent = models.DecimalField(
        "document discount %", max_digits=5, decimal_places=2, default=ZERO, validators=PERCENT
    )
    # Four places: rates such as 8.875 % exist (New York City), and the stored rate must be the
    # one the totals were worked out with (docs/money.md).
    tax_rate = models.DecimalField(
        "tax rate %", max_digits=7, decimal_places=4, default=ZERO, validators=PERCENT
    )
    notes = models.TextField(blank=True)
    # Stored results of compute_totals(), so lists and sync read them without the lines.
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    discount_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    tax_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-issue_date", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def tax_rate_shown(self) -> str:
        """8.875 or 10: the rate's own decimals, never padded nor cut."""
        return plain(self.tax_rate)


class DocumentLine(models.Model):
    """Abstract base of a quote or invoice line: a service item or free text."""

    position = models.PositiveIntegerField(default=0)
    service_item = models.ForeignKey(
        "catalog.ServiceItem", null=True, blank=True, on_delete=models.SET_NULL
    )
    description = models.CharField(max_length=500)
    # As precise as QuickBooks keeps them, so a pulled line is stored as the ledger holds it.
    quantity = models.DecimalField(
        max_digits=WHOLE_DIGITS + QUANTITY_PLACES,
        decimal_places=QUANTITY_PLACES,
        validators=NON_NEGATIVE,
    )
    unit_price = models.DecimalField(
        max_digits=WHOLE_DIGITS + PRICE_PLACES, decimal_places=PRICE_PLACES, validators=NON_NEGATIVE
    )
    discount_percent = models.DecimalField(
        "line discount %", max_digits=5, decimal_places=2, default=ZERO, validators=PERCENT
    )
    taxable = models.BooleanField(default=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def quantity_shown(self) -> str:
        """2.375, not 2.3750000 (nor 2.38)."""
        return plain(self.quantity)

    @property
    def unit_price_shown(self) -> str:
        """13.4956813 or 95.00: every decimal the price has, at least cents."""
        return plain(self.unit_price, 2)


@dataclass(frozen=True)
class Totals:
    line_amounts: list[Decimal]
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    # The document discount alone (``discount_total`` adds the line discounts to it).
    document_discount: Decimal = ZERO


def discounted_share(base: Decimal, *, lines_total: Decimal, discount: Decimal) -> Decimal:
    """The part of ``base`` (some lines' amounts) left after the document discount, which
    applies to every line in proportion, before tax (QuickBooks' DiscountLineDetail with
    ApplyTaxAfterDiscount; see docs/money.md). Unrounded: tax is rounded once, afterwards."""
    if not lines_total:
        return base
    share = (lines_total - discount) / lines_total
    return base * share


def compute_totals(
    lines: Iterable[DocumentLine], *, discount_percent: Decimal, tax_rate: Decimal
) -> Totals:
    """Line amounts and document totals, by the rule in ``apps.common.money``.

    Each line's amount is quantity × price less its line discount, rounded per line. The
    document discount is a percentage of the sum of those amounts, rounded once; tax is the
    rate on the taxable lines' discounted share, rounded once. ``subtotal`` is before any
    discount; ``total = subtotal - discount_total + tax_total``.
    """
    gross_sum = taxable_net = ZERO
    line_amounts = []
    for line in lines:
        net = line_amount(line.quantity, line.unit_price, line.discount_percent)
        line_amounts.append(net)
        gross_sum += line_amount(line.quantity, line.unit_price)
        if line.taxable:
            taxable_net += net
    net_sum = sum(line_amounts, ZERO)
    doc_discount = round_money(percent_of(net_sum, discount_percent))
    taxable_after = discounted_share(taxable_net, lines_total=net_sum, discount=doc_discount)
    tax_total = round_money(percent_of(taxable_after, tax_rate))
    discount_total = gross_sum - net_sum + doc_discount
    return Totals(
        line_amounts=line_amounts,
        subtotal=gross_sum,
        discount_total=discount_total,
        tax_total=tax_total,
        total=gross_sum - discount_total + tax_total,
        document_discount=doc_discount,
    )
