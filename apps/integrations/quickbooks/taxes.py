"""The company's sales tax codes, for ``QuickBooksAdapter``: which code a hub line is sent
with, and which codes a pulled line counts as not taxed (docs/money.md). The codes and the item
references are kept per company (``apps.integrations.reference_cache``, docs/pulls.md).

Outside the US every sales line names a TaxCode, and a code's rates, not its name, say whether
it taxes: Canada's "Exempt" and "Zero-rated" codes are as untaxed as the US ``NON``.
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/taxcode
"""

from __future__ import annotations

from decimal import Decimal

from apps.integrations import mappings, reference_cache
from apps.integrations.contract import PermanentError, RemoteChange, RemoteGone, RemoteTaxCode

from . import limits, mapping, reading

INVALID_REFERENCE = "2500"


# Kept with their names, so a mapping made from them and the messages naming it read as staff
# know the code (the key changed with the shape: a copy kept before is not read back).
SALES_CODES, ITEM_REFS = "sales-tax-code-rows", "item-refs"


def refused_for_settings(exc: Exception, *, creating: bool) -> bool:
    """QuickBooks refused a document for a tax code or an item the kept copy named: 2500
    "Invalid Reference Id : TaxCodeRef assigned to this transaction does not exist", or, for a
    new document (which has no record of its own to be gone), 610 "Something you're trying to
    use has been made inactive".
    https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes"""
    if creating and isinstance(exc, RemoteGone):
        return True
    named = "TaxCode" in str(exc) or "Item" in str(exc)
    return getattr(exc, "code", "") == INVALID_REFERENCE and named


class TaxCodeMixin:
    def _sales_tax_codes(self) -> list[RemoteTaxCode]:
        """Each active TaxCode that has sales rates, kept per company
        (apps.integrations.reference_cache): two queries an hour, not two a drain."""
        if self._sales_codes is None:
            self._sales_codes = reference_cache.kept(
                self.integration, SALES_CODES, self._sales_code_rows
            )
        return self._sales_codes

    def _sales_code_rows(self) -> list[RemoteTaxCode]:
        """Each active code with sales rates; its percent is the sum of its sales rates."""
        rates = {
            str(r["Id"]): Decimal(str(r.get("RateValue") or 0))
            for r in self.client.query("select * from TaxRate maxresults 1000")
        }
        codes = []
        for code in self.client.query("select * from TaxCode maxresults 1000"):
            details = (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
            if details and code.get("Active", True):
                refs = [str((d.get("TaxRateRef") or {}).get("value")) for d in details]
                percent = sum((rates.get(r, Decimal(0)) for r in refs), Decimal(0))
                codes.append(RemoteTaxCode(str(code["Id"]), str(code.get("Name") or ""), percent))
        return codes

    def _with_kept_items(self, names: set[str]) -> None:
        """Item name → ItemRef kept per company joins the adapter's own before a look-up."""
        if not names <= set(self._item_refs):
            kept = reference_cache.kept(self.integration, ITEM_REFS, dict)
            self._item_refs = {**kept, **self._item_refs}

    def _keep_items(self) -> None:
        reference_cache.keep(self.integration, ITEM_REFS, self._item_refs)

    def _items_read(self) -> None:
        """The company's active items into the per-company copy, in one query, when they fit
        in one page: the first invoice sent after connecting then names its items without a
        look-up (docs/pulls.md, "Reference data is kept per tenant"). A company with more items
        is looked up by the names each page's lines use, as before."""
        rows = self.client.query(f"select * from Item maxresults {limits.QUERY_PAGE_SIZE}")
        if len(rows) >= limits.QUERY_PAGE_SIZE:
            return
        found = {str(r["Name"]): {"value": str(r["Id"]), "name": str(r["Name"])} for r in rows}
        self._item_refs = {**found, **self._item_refs}
        self._keep_items()

    def forget_settings(self) -> None:
        """Read the company's tax codes and items again on next use (a refusal named one)."""
        self._sales_codes, self._item_refs = None, {}
        reference_cache.forget(self.integration, SALES_CODES, ITEM_REFS)
        mappings.forget_made(self.integration, self.tax_mapped_now)

    def _zero_rated_codes(self) -> frozenset[str]:
        """Tax codes whose lines are not taxed: ``NON`` in the US; elsewhere every code whose
        sales rates add up to 0 (exempt, zero-rated, out of scope), whatever its name."""
        if self.integration.region == mapping.US_REGION:
            return reading.US_ZERO_RATED
        return frozenset(code.code for code in self._sales_tax_codes() if not code.rate)

    def _read(self, entity: str, row) -> RemoteChange:
        """One answered record; a document's lines are read with the company's tax codes."""
        if entity in (mapping.ENTITY["invoice"], mapping.ENTITY["quote"]):
            return reading.change_from_qbo(entity, row, zero_rated=self._zero_rated_codes())
        return reading.change_from_qbo(entity, row)

    def list_tax_codes(self) -> list[RemoteTaxCode]:
        """The active codes with sales rates, by name (for the mapping page); none in the US,
        where lines go untaxed with the tax folded into their prices."""
        if self.integration.region == mapping.US_REGION:
            return []
        return self._sales_code_rows()

    def _kept_codes(self) -> list[RemoteTaxCode]:
        return list(self._sales_tax_codes())

    def _reread_codes(self) -> list[RemoteTaxCode]:
        """The company's sales tax codes read again (a mapped one is not among the kept)."""
        self._sales_codes = None
        reference_cache.forget(self.integration, SALES_CODES)
        return self._kept_codes()

    def _tax_codes(self, rate: Decimal, lines) -> mapping.TaxCodes:
        """Outside the US every line names a TaxCode: the one mapped to the hub's rate (else the
        one code whose sales rates add up to it), and the one mapped to 0 % (else the first
        zero-rated code) for exempt lines (docs/mapping.md)."""
        if self.integration.region == mapping.US_REGION:
            return mapping.TaxCodes()
        codes = self._kept_codes()
        taxed = bool(rate) and any(line.taxable for line in lines)
        untaxed = not rate or not all(line.taxable for line in lines)
        reread = mappings.read_once(self._reread_codes)
        taxable = (
            mappings.tax_code_for(
                self.integration, rate, codes, reread=reread, made=self.tax_mapped_now
            )
            if taxed
            else None
        )
        exempt = mappings.tax_code_for(
            self.integration, Decimal(0), codes, reread=reread, made=self.tax_mapped_now
        )
        if taxed and taxable is None:
            raise PermanentError(f"QuickBooks has no sales tax code at {rate.normalize()}%.")
        if exempt is None and untaxed:
            raise PermanentError("QuickBooks has no zero-rated sales tax code for exempt lines.")
        taxable_code, exempt_code = taxable.code if taxable else "", exempt.code if exempt else ""
        return mapping.TaxCodes(
            taxable=taxable_code or exempt_code, exempt=exempt_code or taxable_code
        )
