"""Sales tax as QBO does it by region.

US companies use the pseudo codes ``TAX`` / ``NON`` on lines and one sales-tax code on the
header (Automated Sales Tax: the sandbox computes it, an explicit ``TotalTax`` is honoured).
Other regions put a numeric TaxCode on every line; QBO works out ``TxnTaxDetail.TaxLine``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.sandbox.models import SandboxCompany

from . import faults
from .records import dec, find, find_listed, money

US_PSEUDO_CODES = ("TAX", "NON")
RATE_LABEL = {"CA": "GST/HST", "GB": "VAT", "AU": "GST", "NZ": "GST", "IN": "GST"}


def is_us(company: SandboxCompany) -> bool:
    return company.country == "US"


def code_rates(company: SandboxCompany, code_id: str) -> list[tuple[str, str, Decimal]]:
    """(rate id, rate name, percent) of a tax code's sales rates."""
    code = find_listed(company, "TaxCode", code_id)
    if code is None:
        return []
    if code.data.get("Active") is False:
        raise faults.inactive_reference("TaxCode", code_id, "TaxCodeRef")
    details = (code.data.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
    rates = []
    for detail in details:
        rate = find_listed(company, "TaxRate", detail["TaxRateRef"]["value"])
        if rate is not None:
            rates.append(
                (rate.record_id, rate.data.get("Name", ""), dec(rate.data.get("RateValue")))
            )
    return rates


def line_tax_code(company: SandboxCompany, line: dict[str, Any], item_taxable: bool) -> None:
    """Check (and default, in the US) the TaxCodeRef of one sales line."""
    detail = line["SalesItemLineDetail"]
    ref = detail.get("TaxCodeRef")
    if is_us(company):
        if ref is None:
            detail["TaxCodeRef"] = {"value": "TAX" if item_taxable else "NON"}
        elif ref["value"] not in US_PSEUDO_CODES:
            raise faults.invalid_reference("TaxCodeRef", ref["value"])
        return
    if ref is None:
        label = RATE_LABEL.get(company.country, "tax")
        raise faults.business(
            f"Make sure all your transactions have a {label} rate before you save."
        )
    code = None if ref["value"] in US_PSEUDO_CODES else find(company, "TaxCode", ref["value"])
    if code is None:
        raise faults.invalid_reference("TaxCodeRef", ref["value"])
    if code.data.get("Active") is False:
        raise faults.inactive_reference("TaxCode", ref["value"], "TaxCodeRef")


def _tax_line(rate_id: str, percent: Decimal, base: Decimal, amount: Decimal) -> dict:
    return {
        "Amount": money(amount),
        "DetailType": "TaxLineDetail",
        "TaxLineDetail": {
            "TaxRateRef": {"value": rate_id},
            "PercentBased": True,
            "TaxPercent": float(percent),
            "NetAmountTaxable": money(base),
        },
    }


def us_tax(
    company: SandboxCompany, taxable_base: Decimal, detail: dict[str, Any] | None
) -> tuple[Decimal, dict[str, Any]]:
    """(tax, TxnTaxDetail) for a US document."""
    detail = dict(detail or {})
    code_ref = detail.get("TxnTaxCodeRef") or {}
    code_id = code_ref.get("value") or company.settings.get("default_tax_code", "")
    rates = code_rates(company, code_id) if code_id else []
    if code_ref and not rates:
        raise faults.invalid_reference("TxnTaxCodeRef", code_ref.get("value"))
    explicit = dec(detail.get("TotalTax"))
    percent = sum((p for _, _, p in rates), Decimal(0))
    tax = explicit if explicit else taxable_base * percent / 100
    result: dict[str, Any] = {"TotalTax": money(tax)}
    if code_id and taxable_base:
        result["TxnTaxCodeRef"] = {"value": code_id}
        result["TaxLine"] = [_tax_line(rates[0][0], percent, taxable_base, tax)] if rates else []
    return Decimal(str(money(tax))), result


def global_tax(
    company: SandboxCompany, bases: dict[str, Decimal], calculation: str
) -> tuple[Decimal, dict[str, Any]]:
    """(tax, TxnTaxDetail) for a non-US document; ``bases`` maps tax code id to line total."""
    if calculation == "NotApplicable":
        return Decimal(0), {"TotalTax": 0.0}
    tax_lines, total = [], Decimal(0)
    for code_id, base in bases.items():
        for rate_id, _, percent in code_rates(company, code_id):
            if calculation == "TaxInclusive":
                net = base * 100 / (100 + percent)
                amount = base - net
            else:
                net, amount = base, base * percent / 100
            amount = Decimal(str(money(amount)))
            total += amount
            tax_lines.append(_tax_line(rate_id, percent, net, amount))
    return total, {"TotalTax": money(total), "TaxLine": tax_lines}
