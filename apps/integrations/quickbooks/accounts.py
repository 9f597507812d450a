"""The company's chart of accounts, for the mapping page and for what ``QuickBooksAdapter``
posts to (docs/mapping.md): items are sold under an income account, payments are deposited to
``DepositToAccountRef`` (QuickBooks' own default, Undeposited Funds, when none is named).
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/account
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/payment
"""

from __future__ import annotations

from apps.integrations import mappings
from apps.integrations.contract import AccountKind, LedgerDefaults, PermanentError, RemoteAccount

from . import mapping

KINDS = {
    "Income": AccountKind.INCOME,
    "Other Income": AccountKind.INCOME,
    "Bank": AccountKind.BANK,
    "Other Current Asset": AccountKind.CURRENT_ASSET,
    "Expense": AccountKind.EXPENSE,
    "Other Expense": AccountKind.EXPENSE,
    "Cost of Goods Sold": AccountKind.EXPENSE,
}
# Payments may be deposited to a bank account or to Undeposited Funds (an Other Current Asset).
DEPOSIT_TYPES = ("Bank", "Other Current Asset")
UNDEPOSITED_FUNDS = "Undeposited Funds"


class AccountsMixin:
    """The chart-of-accounts half of ``QuickBooksAdapter``."""

    def list_accounts(self) -> list[RemoteAccount]:
        rows = self.client.query(
            "select * from Account where Active in (true, false) maxresults 1000"
        )
        return [
            RemoteAccount(
                remote_id=str(row["Id"]),
                name=str(row.get("Name") or ""),
                kind=KINDS.get(str(row.get("AccountType") or ""), AccountKind.OTHER),
                type_name=str(row.get("AccountType") or ""),
                number=str(row.get("AcctNum") or ""),
                active=row.get("Active", True) is not False,
                takes_payments=row.get("AccountType") in DEPOSIT_TYPES,
            )
            for row in rows
        ]

    def ledger_defaults(self, accounts, codes) -> LedgerDefaults:
        """Items were sold under the first income account; payments went to QuickBooks' own
        default, Undeposited Funds; exempt lines took the first zero-rated code."""
        income = next((a for a in accounts if a.kind == AccountKind.INCOME and a.active), None)
        undeposited = next((a for a in accounts if a.name == UNDEPOSITED_FUNDS and a.active), None)
        zero = next((c for c in codes if not c.rate), None)
        return LedgerDefaults(
            income_account=income.remote_id if income else "",
            payments_account=undeposited.remote_id if undeposited else "",
            exempt_codes=(zero.code,) if zero else (),
            no_tax_codes=self.integration.region == mapping.US_REGION,
        )

    def _income_account_id(self, item_id: int | None = None) -> str:
        """The item's own income account, else the mapped default, else the company's first
        income account: new Service items are sold under it."""
        own = mappings.item_accounts(self.integration).get(item_id or 0)
        if own:
            return own
        mapped = mappings.mapped_account(self.integration, "income")
        if mapped:
            return mapped
        if self._income_account is None:
            accounts = self.client.query(
                "select * from Account where AccountType = 'Income' maxresults 1"
            )
            if not accounts:
                raise PermanentError("QuickBooks has no income account to create items under.")
            self._income_account = str(accounts[0]["Id"])
        return self._income_account

    def _deposit_to(self, payment) -> dict:
        """``DepositToAccountRef`` of a payment: the mapped account (the Stripe clearing
        account for a card payment Stripe pays out), else none (QuickBooks deposits to
        Undeposited Funds)."""
        mapped = mappings.payment_account(self.integration, payment)
        return {"DepositToAccountRef": {"value": mapped}} if mapped else {}
