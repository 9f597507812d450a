"""The company file's tax codes and accounts, kept per file (apps.integrations.reference_cache).

Tax codes: GST (10 % in Australia, 15 % in New Zealand), FRE (GST-free), Z and E (New Zealand's
zero-rated and exempt), N-T (not reportable), ... each with its ``Rate``. A taxable hub line
takes the code whose rate is the document's; an untaxed line FRE, Z, E, else N-T, else any 0 %
code. No code of the hub's rate: the
document is refused clearly (the file's tax codes are the accountant's to set).
https://developer.myob.com/api/myob-business-api/v2/generalledger/taxcode/
Accounts: income lines post to an income account (4-1000 "Sales" first, else the first detail
income account); payments deposit to a bank account (1-1110 first, else the first bank one).
https://developer.myob.com/api/myob-business-api/v2/generalledger/account/
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.integrations import reference_cache
from apps.integrations.contract import PermanentError

from . import mapping

TAX_CODES, ACCOUNTS = "tax-codes", "accounts"
# Untaxed lines: FRE (GST free) in an Australian file, Z (zero-rated) or E (exempt) in a New
# Zealand one, N-T (not reportable) in either.
EXEMPT_CODES = ("FRE", "Z", "E", "N-T")
PREFERRED_ACCOUNT = {"Income": "4-1000", "Bank": "1-1110"}


@dataclass(frozen=True)
class TaxCodes:
    taxable: str  # UID
    exempt: str  # UID


class LedgerMixin:
    """Reference data of ``MyobAdapter``."""

    def _tax_codes(self) -> list[dict]:
        if self._codes is None:
            self._codes = reference_cache.kept(
                self.integration, TAX_CODES, lambda: self.client.get_all(mapping.TAX_CODES)
            )
        return self._codes

    def _accounts(self) -> list[dict]:
        if self._account_rows is None:
            self._account_rows = reference_cache.kept(
                self.integration, ACCOUNTS, lambda: self.client.get_all(mapping.ACCOUNTS)
            )
        return self._account_rows

    def forget_settings(self) -> None:
        """Read the file's tax codes and accounts again on next use (a refusal named one)."""
        self._codes = self._account_rows = None
        reference_cache.forget(self.integration, TAX_CODES, ACCOUNTS)

    def rates(self) -> dict[str, Decimal]:
        """Tax code UID → rate."""
        return {str(c.get("UID")): Decimal(str(c.get("Rate") or 0)) for c in self._tax_codes()}

    def tax_codes_for(self, rate: Decimal) -> TaxCodes:
        codes = self._tax_codes()

        def rate_of(code: dict) -> Decimal:
            return Decimal(str(code.get("Rate") or 0))

        exempt = next(
            (c for wanted in EXEMPT_CODES for c in codes if c.get("Code") == wanted), None
        ) or next((c for c in codes if not rate_of(c)), None)
        if exempt is None:
            raise PermanentError("The MYOB company file has no GST-free tax code (FRE).")
        if not rate:
            return TaxCodes(taxable=exempt["UID"], exempt=exempt["UID"])
        taxable = next((c for c in codes if c.get("Code") == "GST" and rate_of(c) == rate), None)
        taxable = taxable or next((c for c in codes if rate_of(c) == rate), None)
        if taxable is None:
            raise PermanentError(f"The MYOB company file has no tax code of {rate.normalize()}%.")
        return TaxCodes(taxable=taxable["UID"], exempt=exempt["UID"])

    def card_tax_code(self) -> str:
        """A new card's selling tax code (required by MYOB): GST, else the exempt code."""
        gst = next((c for c in self._tax_codes() if c.get("Code") == "GST"), None)
        return str(gst["UID"]) if gst else self.tax_codes_for(Decimal(0)).exempt

    def account_uid(self, kind: str) -> str:
        usable = [
            a
            for a in self._accounts()
            if a.get("Type") == kind and not a.get("IsHeader") and a.get("IsActive", True)
        ]
        if not usable:
            raise PermanentError(f"The MYOB company file has no {kind.lower()} account.")
        preferred = PREFERRED_ACCOUNT.get(kind)
        chosen = next((a for a in usable if a.get("DisplayID") == preferred), usable[0])
        return str(chosen["UID"])
