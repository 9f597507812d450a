"""Account and tax mapping of an integration (docs/mapping.md).

Which accounts of the ledger's chart the hub's documents post to, and which tax code each hub
tax rate is sent as: what the adapters ask before they send, and the suggestions. The chart and
the tax codes are read through the adapter (``list_accounts``, ``list_tax_codes``,
``ledger_defaults``) by ``mapping_pages``; suggestions are the adapter's own choice when nothing
is mapped, so an integration nobody mapped behaves as before. A tax rate the ledger has several
codes for is never guessed: documents needing it are held back (``MappingNeeded``) until it is
mapped. Provider folders import this module, so it imports no registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from .contract import (
    AccountKind,
    LedgerDefaults,
    MappingNeeded,
    RemoteAccount,
    RemoteTaxCode,
)
from .models import AccountMapping, Integration, ItemAccountMapping, TaxMapping

CHART = "mapping-chart"
# The phrase every tax hold-back reason carries (Needs attention finds them by it).
TAX_HOLD = "no tax code mapped"
ACCOUNT_HOLD = "no account mapped"
EXEMPT = Decimal("0")


def account_mapping_for(integration: Integration) -> AccountMapping:
    """The integration's account mapping, created empty the first time it is asked for."""
    mapping, _ = AccountMapping.objects.get_or_create(integration=integration)
    return mapping


def percent(rate) -> str:
    """10.0000 → "10", 8.25 → "8.25"."""
    return format(Decimal(rate).normalize(), "f")


def rate_key(rate) -> Decimal:
    """A tax rate as tax mappings keep it (four decimal places, like the hub's rates)."""
    return Decimal(rate).quantize(Decimal("0.0001"))


# --- roles -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Role:
    """One account the mapping names, and which accounts may fill it."""

    name: str  # the AccountMapping field prefix
    label: str
    help: str
    kinds: frozenset[str]
    payments: bool = False  # must take payments (a deposit account)
    # Names an account is suggested by when the adapter has no choice of its own, best first.
    hints: tuple[str, ...] = ()


ROLES = [
    Role(
        "income",
        "Default income account",
        "Invoice and item lines are posted to it, unless their service item has its own below.",
        frozenset({AccountKind.INCOME}),
        hints=("sales", "services", "income", "revenue"),
    ),
    Role(
        "payments",
        "Payments deposited to",
        "Payments collected in the hub (online card payments) are recorded into this account.",
        frozenset({AccountKind.BANK, AccountKind.CURRENT_ASSET}),
        payments=True,
        hints=("undeposited", "clearing", "cheque", "checking", "bank"),
    ),
    Role(
        "stripe_clearing",
        "Stripe clearing account",
        "Card payments wait here until Stripe pays them out to the bank.",
        frozenset({AccountKind.BANK, AccountKind.CURRENT_ASSET}),
        hints=("stripe", "clearing", "undeposited"),
    ),
    Role(
        "card_fees",
        "Card fees",
        "The expense account Stripe's fees are recorded on.",
        frozenset({AccountKind.EXPENSE}),
        hints=("merchant", "stripe", "card", "bank fee", "bank charge", "bank service", "fee"),
    ),
    Role(
        "payout_bank",
        "Payouts land in",
        "The bank account Stripe pays out to.",
        frozenset({AccountKind.BANK}),
        hints=("cheque", "checking", "business bank", "bank", "savings"),
    ),
]
ROLE = {role.name: role for role in ROLES}
KIND_WORDS = {
    AccountKind.INCOME: "an income (revenue) account",
    AccountKind.BANK: "a bank account",
    AccountKind.CURRENT_ASSET: "a current asset account",
    AccountKind.EXPENSE: "an expense account",
}


def wanted(role: Role) -> str:
    if role.payments:
        return "an account payments can be deposited to (a bank or clearing account)"
    return " or ".join(KIND_WORDS[k] for k in sorted(role.kinds))


def fits(role: Role, account: RemoteAccount) -> bool:
    if role.payments:
        return account.takes_payments
    return account.kind in role.kinds


# --- the ledger's chart ------------------------------------------------------------------
@dataclass(frozen=True)
class Chart:
    accounts: list[RemoteAccount]
    codes: list[RemoteTaxCode]
    defaults: LedgerDefaults

    def account(self, remote_id: str) -> RemoteAccount | None:
        return next((a for a in self.accounts if a.remote_id == remote_id), None)

    def code(self, code: str) -> RemoteTaxCode | None:
        return next((c for c in self.codes if c.code == code), None)

    def choices(self, role: Role) -> list[RemoteAccount]:
        return [a for a in self.accounts if a.active and fits(role, a)]


# --- suggestions -------------------------------------------------------------------------
def suggested_account(role: Role, chart: Chart) -> RemoteAccount | None:
    """The adapter's own choice where it has one (what it did before any mapping), else the
    first account of the right kind whose name matches the role's hints."""
    default = {
        "income": chart.defaults.income_account,
        "payments": chart.defaults.payments_account,
    }.get(role.name, "")
    choices = chart.choices(role)
    found = next((a for a in choices if a.remote_id == default), None)
    if found is not None:
        return found
    for hint in role.hints:
        found = next((a for a in choices if hint in a.name.lower()), None)
        if found is not None:
            return found
    return choices[0] if choices and role.name in ("income", "payout_bank") else None


@dataclass(frozen=True)
class TaxSuggestion:
    code: RemoteTaxCode | None
    candidates: list[RemoteTaxCode] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return self.code is None and len(self.candidates) > 1


def suggested_tax_code(rate: Decimal, chart: Chart) -> TaxSuggestion:
    """Exempt (0 %): the ledger's own exempt code, in its order of preference. A taxable rate:
    the one code of exactly that rate; several are ambiguous (no suggestion, the candidates)."""
    codes = [c for c in chart.codes if not c.account_kinds or AccountKind.INCOME in c.account_kinds]
    rate = Decimal(rate)
    if not rate:
        for wanted in chart.defaults.exempt_codes:
            found = next((c for c in codes if c.code == wanted), None)
            if found is not None:
                return TaxSuggestion(found, [found])
        zero = [c for c in codes if not c.rate]
        return TaxSuggestion(zero[0] if zero else None, zero)
    same = [c for c in codes if c.rate == rate]
    preferred = [c for c in same if c.code in chart.defaults.preferred_codes]
    if len(same) > 1 and len(preferred) == 1:
        return TaxSuggestion(preferred[0], same)
    return TaxSuggestion(same[0] if len(same) == 1 else None, same)


# --- what the adapters use ---------------------------------------------------------------
class MappingRows:
    """The integration's mapping rows (its account mapping, tax and item mappings), each kind
    read at most once. An adapter keeps one while it sends a batch (``KeepsMappings``): a page
    of 300 invoices reads them once, not once per invoice; the next batch reads them afresh,
    and so sees what staff saved meanwhile."""

    def __init__(self, integration: Integration) -> None:
        self.integration = integration
        self._accounts: list[AccountMapping | None] = []
        self._taxes: dict[Decimal, TaxMapping] | None = None
        self._items: dict[int, str] | None = None

    def account(self, role: str) -> str:
        """The account chosen for ``role``, "" when none is (the adapter's own choice)."""
        if not self._accounts:
            self._accounts.append(
                AccountMapping.objects.filter(integration=self.integration).first()
            )
        return getattr(self._accounts[0], f"{role}_account_id", "") if self._accounts[0] else ""

    def tax(self, rate) -> TaxMapping | None:
        return self._tax_rows().get(rate_key(rate))

    def tax_kept(self, row: TaxMapping) -> None:
        """A mapping made while these rows are kept."""
        self._tax_rows()[rate_key(row.rate)] = row

    def _tax_rows(self) -> dict[Decimal, TaxMapping]:
        if self._taxes is None:
            rows = TaxMapping.objects.filter(integration=self.integration)
            self._taxes = {rate_key(row.rate): row for row in rows}
        return self._taxes

    def items(self) -> dict[int, str]:
        """Service item id → its own income account."""
        if self._items is None:
            self._items = dict(
                ItemAccountMapping.objects.filter(integration=self.integration).values_list(
                    "item_id", "income_account_id"
                )
            )
        return self._items


class KeepsMappings:
    """An adapter's mapping rows: kept while ``mappings_kept`` is open (a batch, one
    document, one payment), read afresh by every ask outside it."""

    integration: Integration
    _kept_mappings: MappingRows | None = None

    @property
    def mapping_rows(self) -> MappingRows:
        return self._kept_mappings or MappingRows(self.integration)

    @contextmanager
    def mappings_kept(self) -> Iterator[MappingRows]:
        if self._kept_mappings is not None:  # inside a batch already
            yield self._kept_mappings
            return
        self._kept_mappings = MappingRows(self.integration)
        try:
            yield self._kept_mappings
        finally:
            self._kept_mappings = None

    def mappings_changed(self) -> None:
        """Mappings were deleted (``forget_made``): kept rows are read again on next use."""
        if self._kept_mappings is not None:
            self._kept_mappings = MappingRows(self.integration)


def mapped_account(integration: Integration, role: str) -> str:
    """The account chosen for ``role``, "" when none is (the adapter's own choice applies)."""
    return MappingRows(integration).account(role)


def mapped_accounts(integration: Integration, roles: Sequence[str]) -> dict[str, str]:
    """role → the account chosen for it ("" when none is), from one read of the mapping."""
    rows = MappingRows(integration)
    return {role: rows.account(role) for role in roles}


def payment_role(integration: Integration, payment, *, rows: MappingRows | None = None) -> str:
    """The role whose account ``payment`` is recorded into. A card payment collected through
    Stripe goes to the Stripe clearing account where this integration records Stripe payouts
    and that account is mapped: the payout's deposit takes it from there (docs/payouts.md); any
    other payment (and a refund without one) to the payments account."""
    rows = rows or MappingRows(integration)
    card = payment is not None and payment.stripe_charge_id and integration.payouts_sync_to
    return "stripe_clearing" if card and rows.account("stripe_clearing") else "payments"


def payment_account(integration: Integration, payment) -> str:
    """The account ``payment`` is recorded into (``payment_role``), "" for the adapter's own
    choice."""
    rows = MappingRows(integration)
    return rows.account(payment_role(integration, payment, rows=rows))


def item_accounts(integration: Integration) -> dict[int, str]:
    """Service item id → its own income account."""
    return MappingRows(integration).items()


def account_gone(provider: str, role: str, remote_id: str, what: str) -> MappingNeeded:
    """A mapped account the ledger no longer takes (``what``: "was deleted", "is archived"):
    the document is held back, never posted to another account behind staff's back."""
    label = ROLE[role].label.lower() if role in ROLE else "account"
    return MappingNeeded(
        f"The account mapped as {label} ({remote_id}) {what} in {provider}, so there is "
        f"{ACCOUNT_HOLD} that {provider} takes: choose another on the integration's settings "
        "page.",
        fix=f"account:{role}",
    )


def read_once(read: Callable[[], Sequence[RemoteTaxCode]]) -> Callable[[], list]:
    """``read`` for ``tax_code_for``'s ``reread``, asked of the ledger at most once however many
    rates one document looks up."""
    answer: list = []

    def reread() -> list:
        if not answer:
            answer.append(list(read()))
        return answer[0]

    return reread


def tax_code_for(
    integration: Integration,
    rate: Decimal,
    codes: Sequence[RemoteTaxCode],
    *,
    exempt_order=(),
    preferred=(),
    reread: Callable[[], Sequence[RemoteTaxCode]] | None = None,
    made: list | None = None,
    rows: MappingRows | None = None,
) -> RemoteTaxCode | None:
    """The code a line at ``rate`` (0: an untaxed line) is sent with: the mapped one, else the
    one unambiguous suggestion (saved as the mapping, so staff see it), else None when the
    ledger has no code of that rate. ``reread`` reads the ledger's codes afresh, asked only when
    the mapped code is not among ``codes`` (kept since before it was made). Raises
    ``MappingNeeded`` when the mapped code is gone or several codes fit: the document is held
    back until the rate is mapped. ``made`` collects the rates mapped here by suggestion, which
    ``forget_made`` undoes when the ledger refuses what was sent with them. ``rows``: the
    adapter's kept mapping rows."""
    rate = rate_key(rate)
    name = integration.get_provider_display()
    rows = rows or MappingRows(integration)
    mapped = rows.tax(rate)
    if mapped is not None:
        found = next((c for c in codes if c.code == mapped.remote_code), None)
        if found is None and reread is not None:
            # The kept codes may predate the mapping (a code made since): read them once more.
            found = next((c for c in reread() if c.code == mapped.remote_code), None)
        if found is not None:
            return found
        raise MappingNeeded(
            f"Tax rate {percent(rate)}% has {TAX_HOLD} that {name} still has: its code "
            f"{mapped.remote_name or mapped.remote_code} was deleted or archived there. "
            "Map this rate again on the integration's settings page.",
            fix=f"tax:{rate}",
        )
    defaults = LedgerDefaults(exempt_codes=tuple(exempt_order), preferred_codes=tuple(preferred))
    chart = Chart([], list(codes), defaults)
    suggestion = suggested_tax_code(rate, chart)
    if suggestion.ambiguous:
        names = ", ".join(c.name for c in suggestion.candidates)
        raise MappingNeeded(
            f"Tax rate {percent(rate)}% has {TAX_HOLD}, and {name} has "
            f"{len(suggestion.candidates)} codes at that rate ({names}): map this rate on the "
            "integration's settings page to send it.",
            fix=f"tax:{rate}",
        )
    if suggestion.code is not None:
        remember_tax_code(integration, rate, suggestion.code, made=made, rows=rows)
    return suggestion.code


def remember_tax_code(
    integration: Integration,
    rate: Decimal,
    code: RemoteTaxCode,
    *,
    made: list | None = None,
    rows: MappingRows | None = None,
) -> None:
    """Keep the code the adapter chose by itself as the rate's mapping (shown, editable)."""
    rate = rate_key(rate)
    row, created = TaxMapping.objects.get_or_create(
        integration=integration,
        rate=rate,
        defaults={"remote_code": code.code, "remote_name": code.name},
    )
    if rows is not None:
        rows.tax_kept(row)
    if created and made is not None:
        made.append(rate)


def forget_made(integration: Integration, made: list) -> None:
    """The ledger refused a document sent with codes mapped by suggestion from a kept (perhaps
    stale) copy of its codes: those mappings go, to be suggested again from a fresh read."""
    if made:
        TaxMapping.objects.filter(integration=integration, rate__in=made).delete()
        made.clear()


HELD_RATE = re.compile(r"Tax rate (\d+(?:\.\d+)?)% has ")


def held_rate(reason: str) -> str:
    """The rate a tax hold-back reason names, as the settings page's anchor has it ("8_25")."""
    found = HELD_RATE.search(reason)
    return found.group(1).replace(".", "_") if found else ""
