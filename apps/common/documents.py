"""What quotes and invoices share: header fields, lines and the one place totals are computed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.common.money import ZERO, percent_of, round_money

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
    tax_rate = models.DecimalField(
        "tax rate %", max_digits=5, decimal_places=2, default=ZERO, validators=PERCENT
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


class DocumentLine(models.Model):
    """Abstract base of a quote or invoice line: a service item or free text."""

    position = models.PositiveIntegerField(default=0)
    service_item = models.ForeignKey(
        "catalog.ServiceItem", null=True, blank=True, on_delete=models.SET_NULL
    )
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, validators=NON_NEGATIVE)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, validators=NON_NEGATIVE)
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


@dataclass(frozen=True)
class Totals:
    line_amounts: list[Decimal]
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal


def compute_totals(
    lines: Iterable[DocumentLine], *, discount_percent: Decimal, tax_rate: Decimal
) -> Totals:
    """Line amounts and document totals.

    A line's amount is quantity × price less its line discount. The document discount
    applies to every line after line discounts; tax applies to the discounted taxable lines.
    ``subtotal`` is before any discount; ``total = subtotal - discount_total + tax_total``.
    """
    gross_sum = net_sum = taxable_net = ZERO
    line_amounts = []
    for line in lines:
        gross = Decimal(line.quantity) * Decimal(line.unit_price)
        net = gross - percent_of(gross, line.discount_percent)
        line_amounts.append(round_money(net))
        gross_sum += gross
        net_sum += net
        if line.taxable:
            taxable_net += net
    doc_discount = percent_of(net_sum, discount_percent)
    taxable_after = taxable_net - percent_of(taxable_net, discount_percent)
    subtotal = round_money(gross_sum)
    discount_total = round_money(gross_sum - net_sum + doc_discount)
    tax_total = round_money(percent_of(taxable_after, tax_rate))
    return Totals(
        line_amounts=line_amounts,
        subtotal=subtotal,
        discount_total=discount_total,
        tax_total=tax_total,
        total=subtotal - discount_total + tax_total,
    )
