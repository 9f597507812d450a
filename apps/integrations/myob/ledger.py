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

from apps.integrations import mappings, reference_cache
from apps.integrations.contract import (
    AccountKind,
    LedgerDefaults,
    PermanentError,
    RemoteAccount,
    RemoteTaxCode,
)

from . import mapping

TAX_CODES, ACCOUNTS = "tax-codes", "accounts"
# Untaxed lines: FRE (GST free) in an Australian file, Z (zero-rated) or E (exempt) in a New
# Zealand one, N-T (not reportable) in either.
EXEMPT_CODES = ("FRE", "Z", "E", "N-T")
PREFERRED_ACCOUNT = {"Income": "4-1000", "Bank": "1-1110"}
ACCOUNT_KINDS = {
    "Income": AccountKind.INCOME,
    "OtherIncome": AccountKind.INCOME,
    "Bank": AccountKind.BANK,
    "OtherCurrentAsset": AccountKind.CURRENT_ASSET,
    "Expense": AccountKind.EXPENSE,
    "OtherExpense": AccountKind.EXPENSE,
    "CostOfSales": AccountKind.EXPENSE,
}


@dataclass(frozen=True)
class TaxCodes:
    taxable: str  # UID
    exempt: str  # UID


class LedgerMixin(mappings.KeepsMappings):
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
        mappings.forget_made(self.integration, self.tax_mapped_now)
        self.mappings_changed()

    def rates(self) -> dict[str, Decimal]:
        """Tax code UID → rate."""
        return {str(c.get("UID")): Decimal(str(c.get("Rate") or 0)) for c in self._tax_codes()}

    def list_tax_codes(self) -> list[RemoteTaxCode]:
        return [
            RemoteTaxCode(
                str(c.get("UID")),
                f"{c.get('Code')} {c.get('Description') or ''}".strip(),
                Decimal(str(c.get("Rate") or 0)),
            )
            for c in self._tax_codes()
        ]

    def _reread_codes(self) -> list[RemoteTaxCode]:
        self._codes = None
        reference_cache.forget(self.integration, TAX_CODES)
        return self.list_tax_codes()

    def _codes_named(self, names) -> tuple[str, ...]:
        """The UIDs of the codes called ``names``, in that order."""
        by_code = {c.get("Code"): str(c.get("UID")) for c in self._tax_codes()}
        return tuple(by_code[name] for name in names if name in by_code)

    def tax_codes_for(self, rate: Decimal) -> TaxCodes:
        """The mapped codes (docs/mapping.md), else the suggestion: FRE, Z, E, N-T or any 0 %
        code for untaxed lines; GST, else the one code of the hub's rate for taxed ones."""
        codes = self.list_tax_codes()
        reread = mappings.read_once(self._reread_codes)
        rows = self.mapping_rows
        exempt = mappings.tax_code_for(
            self.integration,
            Decimal(0),
            codes,
            exempt_order=self._codes_named(EXEMPT_CODES),
            reread=reread,
            made=self.tax_mapped_now,
            rows=rows,
        )
        if exempt is None:
            raise PermanentError("The MYOB company file has no GST-free tax code (FRE).")
        if not rate:
            return TaxCodes(taxable=exempt.code, exempt=exempt.code)
        taxable = mappings.tax_code_for(
            self.integration,
            rate,
            codes,
            preferred=self._codes_named(["GST"]),
            reread=reread,
            made=self.tax_mapped_now,
            rows=rows,
        )
        if taxable is None:
            raise PermanentError(f"The MYOB company file has no tax code of {rate.normalize()}%.")
        return TaxCodes(taxable=taxable.code, exempt=exempt.code)

    def card_tax_code(self) -> str:
        """A new card's selling tax code (required by MYOB): GST, else the exempt code."""
        gst = next((c for c in self._tax_codes() if c.get("Code") == "GST"), None)
        return str(gst["UID"]) if gst else self.tax_codes_for(Decimal(0)).exempt

    def account_uid(self, kind: str, role: str = "") -> str:
        """The account mapped to ``role`` (docs/mapping.md), else the preferred one of
        ``kind``, else the first. A mapped account the file no longer has (or made inactive)
        holds the document back rather than posting it elsewhere."""
        mapped = self.mapping_rows.account(role) if role else ""
        if mapped:
            return self._still_active(mapped, role)
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

    def payment_account_uid(self, payment) -> str:
        """Where ``payment`` is deposited (and its refund paid back from): the Stripe clearing
        account for a card payment Stripe pays out, where payouts are recorded and that
        account is mapped (its payout's transfer takes it from there, docs/payouts.md); the
        payments account otherwise."""
        with self.mappings_kept() as rows:
            role = mappings.payment_role(self.integration, payment, rows=rows)
            return self.account_uid("Bank", role)

    def _still_active(self, uid: str, role: str) -> str:
        row = next((a for a in self._accounts() if str(a.get("UID")) == uid), None)
        if row is not None and row.get("IsActive", True) and not row.get("IsHeader"):
            return uid
        what = "was deleted" if row is None else "is inactive"
        raise mappings.account_gone("MYOB", role, uid, what)

    def item_account(self, item_id: int) -> str:
        """The income account a service item is sold under: its own, else the default."""
        own = self.mapping_rows.items().get(item_id)
        return self._still_active(own, "income") if own else self.account_uid("Income", "income")

    def line_accounts(self, lines) -> dict[int, str]:
        own = self.mapping_rows.items()
        wanted = {line.service_item_id for line in lines if line.service_item_id in own}
        return {item_id: self._still_active(own[item_id], "income") for item_id in wanted}

    def list_accounts(self) -> list[RemoteAccount]:
        return [
            RemoteAccount(
                remote_id=str(a.get("UID")),
                name=str(a.get("Name") or ""),
                kind=ACCOUNT_KINDS.get(str(a.get("Type") or ""), AccountKind.OTHER),
                type_name=str(a.get("Type") or ""),
                number=str(a.get("DisplayID") or ""),
                active=bool(a.get("IsActive", True)) and not a.get("IsHeader"),
                takes_payments=a.get("Type") == "Bank",
            )
            for a in self._accounts()
        ]

    def ledger_defaults(self, accounts, codes) -> LedgerDefaults:
        """Sales went to 4-1000 (else the first income account), payments to the bank account
        1-1110 (else the first); untaxed lines FRE, Z, E, N-T; taxed ones GST."""
        income = self.account_uid("Income") if any(a.kind == "income" for a in accounts) else ""
        bank = self.account_uid("Bank") if any(a.kind == "bank" for a in accounts) else ""
        return LedgerDefaults(
            income_account=income,
            payments_account=bank,
            exempt_codes=self._codes_named(EXEMPT_CODES),
            preferred_codes=self._codes_named(["GST"]),
        )
