"""The account and tax mapping section of an integration's settings page (docs/mapping.md):
the ledger's chart of accounts and tax codes read through the adapter and kept per company,
each mapping with its suggestion and what is wrong with it, and saving what staff chose."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.catalog.models import ServiceItem
from apps.invoices.models import Invoice
from apps.quotes.models import Quote

from . import reference_cache, signals
from .contract import AccountKind, RemoteAccount, RemoteTaxCode, SyncError
from .mappings import (
    CHART,
    EXEMPT,
    ROLE,
    ROLES,
    Chart,
    Role,
    TaxSuggestion,
    account_mapping_for,
    fits,
    percent,
    rate_key,
    suggested_account,
    suggested_tax_code,
    wanted,
)
from .models import AccountMapping, Integration, ItemAccountMapping, TaxMapping
from .registry import adapter_for


def _read_chart(integration: Integration) -> Chart:
    adapter = adapter_for(integration)
    accounts, codes = adapter.list_accounts(), adapter.list_tax_codes()
    return Chart(accounts, codes, adapter.ledger_defaults(accounts, codes))


def chart_of(integration: Integration, *, refresh: bool = False) -> Chart:
    """The ledger's chart of accounts and tax codes, kept per company; ``refresh`` reads it
    again (the Refresh button). Raises ``SyncError`` when the ledger cannot be read."""
    if refresh:
        adapter_for(integration).forget_settings()
        reference_cache.forget(integration, CHART)
    fresh = []

    def load() -> Chart:
        fresh.append(True)
        return _read_chart(integration)

    chart = reference_cache.kept(integration, CHART, load)
    if fresh:
        AccountMapping.objects.update_or_create(
            integration=integration, defaults={"accounts_read_at": timezone.now()}
        )
    return chart


RATE_FIELD = re.compile(r"^tax_(\d+(?:_\d+)?)$")


# --- the settings page -------------------------------------------------------------------
def _listed(chosen_id: str, choices: list[RemoteAccount]) -> bool:
    """Whether the chosen account is among the choices; one that is not (deleted, archived, of
    the wrong kind) is shown on its own as not usable, so saving the form keeps it."""
    return any(a.remote_id == chosen_id for a in choices)


@dataclass
class RoleRow:
    role: Role
    chosen_id: str
    chosen_name: str
    suggestion: RemoteAccount | None
    choices: list[RemoteAccount]
    problem: str = ""

    @property
    def field(self) -> str:
        return f"{self.role.name}_account"

    @property
    def listed(self) -> bool:
        return _listed(self.chosen_id, self.choices)


@dataclass
class TaxRow:
    rate: Decimal
    used_by: str
    mapped: TaxMapping | None
    suggestion: TaxSuggestion
    choices: list[RemoteTaxCode]
    problem: str = ""

    @property
    def key(self) -> str:
        return percent(self.rate).replace(".", "_")

    @property
    def field(self) -> str:
        return f"tax_{self.key}"

    posted: str | None = None

    @property
    def chosen_id(self) -> str:
        if self.posted is not None:
            return self.posted
        return self.mapped.remote_code if self.mapped else ""

    @property
    def chosen_name(self) -> str:
        mapped = self.mapped
        return mapped.remote_name if mapped and mapped.remote_code == self.chosen_id else ""

    @property
    def listed(self) -> bool:
        return any(code.code == self.chosen_id for code in self.choices)

    @property
    def label(self) -> str:
        return "Untaxed lines (0 %)" if not self.rate else f"{percent(self.rate)} %"


@dataclass
class ItemRow:
    item: object
    chosen_id: str
    chosen_name: str
    choices: list[RemoteAccount]
    problem: str = ""

    @property
    def field(self) -> str:
        return f"item_{self.item.pk}"

    @property
    def listed(self) -> bool:
        return _listed(self.chosen_id, self.choices)


@dataclass
class Page:
    chart: Chart | None
    error: str = ""
    roles: list[RoleRow] = field(default_factory=list)
    taxes: list[TaxRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    income_choices: list[RemoteAccount] = field(default_factory=list)
    read_at: object = None
    no_tax_codes: bool = False

    @property
    def problems(self) -> list[str]:
        rows = [*self.roles, *self.taxes, *self.items]
        return [row.problem for row in rows if row.problem]

    def keep_posted(self, posted) -> None:
        """Show the choices just posted (a refused save) instead of the saved ones."""
        for row in [*self.roles, *self.items]:
            if row.field in posted:
                row.chosen_id = posted[row.field]
        for row in self.taxes:
            if row.field in posted:
                row.posted = posted[row.field]


def _account_problem(role_label: str, remote_id: str, name: str, role, chart: Chart) -> str:
    """What is wrong with a mapped account now, and what to do; "" when nothing."""
    if not remote_id:
        return ""
    account = chart.account(remote_id)
    shown = name or remote_id
    if account is None:
        return (
            f"{role_label}: the account {shown} no longer exists in the ledger (deleted). "
            "Choose another account and save, or create it again in the ledger and Refresh."
        )
    if not account.active:
        return (
            f"{role_label}: the account {account.name} is archived or inactive in the ledger. "
            "Choose another account and save, or make it active again there and Refresh."
        )
    if role is not None and not fits(role, account):
        return f"{role_label}: {account.name} is a {account.type_name} account, not {wanted(role)}."
    return ""


def rates_in_use(integration: Integration, mapped) -> dict[Decimal, str]:
    """Each hub tax rate the organisation uses (its default, and documents' rates) or
    ``mapped`` (the integration's tax mappings) → where."""
    organisation = integration.organisation
    used: dict[Decimal, list[str]] = {}

    def add(rate, what: str) -> None:
        rate = rate_key(rate)
        if what not in used.setdefault(rate, []):
            used[rate].append(what)

    add(organisation.default_tax_rate or 0, "default rate")
    for model, what in ((Invoice, "invoices"), (Quote, "quotes")):
        rates = model.objects.filter(organisation=organisation).values_list("tax_rate", flat=True)
        for rate in rates.distinct():
            add(rate, what)
    add(EXEMPT, "untaxed lines")
    for row in mapped:
        add(row.rate, "mapped")
    return {rate: ", ".join(whats) for rate, whats in sorted(used.items())}


def chart_or_error(integration: Integration, *, refresh: bool = False) -> tuple[Chart | None, str]:
    """The ledger's chart (``chart_of``), or None and why it cannot be read."""
    if not integration.is_connected:
        return None, "The integration is not connected: reconnect it to read its accounts."
    try:
        return chart_of(integration, refresh=refresh), ""
    except SyncError as exc:
        return None, f"The chart of accounts could not be read: {exc.message}"


def mapping_page(integration: Integration) -> Page:
    """Everything the settings page shows of the mapping, with what is wrong and what to do."""
    chart, error = chart_or_error(integration)
    if chart is None:
        return Page(None, error)
    mapping = account_mapping_for(integration)
    page = Page(chart, read_at=mapping.accounts_read_at, no_tax_codes=chart.defaults.no_tax_codes)
    for role in ROLES:
        chosen_id = getattr(mapping, f"{role.name}_account_id")
        chosen_name = getattr(mapping, f"{role.name}_account_name")
        page.roles.append(
            RoleRow(
                role,
                chosen_id,
                chosen_name,
                suggested_account(role, chart),
                chart.choices(role),
                _account_problem(role.label, chosen_id, chosen_name, role, chart),
            )
        )
    page.income_choices = chart.choices(ROLE["income"])
    page.items = _item_rows(integration, chart, page.income_choices)
    if not chart.defaults.no_tax_codes:
        page.taxes = _tax_rows(integration, chart)
    return page


def _item_rows(integration: Integration, chart: Chart, choices) -> list[ItemRow]:
    mapped = _item_mappings(integration)
    rows = []
    items = ServiceItem.objects.filter(organisation_id=integration.organisation_id, active=True)
    for item in items:
        own = mapped.get(item.pk)
        if own is None:
            rows.append(ItemRow(item, "", "", choices))
            continue
        chosen, name = own.income_account_id, own.income_account_name
        problem = _account_problem(item.name, chosen, name, ROLE["income"], chart)
        rows.append(ItemRow(item, chosen, name, choices, problem))
    return rows


def _item_mappings(integration: Integration) -> dict[int, ItemAccountMapping]:
    return {m.item_id: m for m in ItemAccountMapping.objects.filter(integration=integration)}


def _tax_mappings(integration: Integration) -> dict[Decimal, TaxMapping]:
    return {m.rate: m for m in TaxMapping.objects.filter(integration=integration)}


def _tax_gone(rate: Decimal, mapped: TaxMapping, name: str) -> str:
    shown = mapped.remote_name or mapped.remote_code
    return (
        f"{percent(rate)}%: the tax code {shown} no longer exists in {name} "
        "(deleted or archived). Choose another and save."
    )


def _tax_rows(integration: Integration, chart: Chart) -> list[TaxRow]:
    mapped = _tax_mappings(integration)
    rows = []
    name = integration.get_provider_display()
    for rate, used_by in rates_in_use(integration, mapped.values()).items():
        row = TaxRow(rate, used_by, mapped.get(rate), suggested_tax_code(rate, chart), chart.codes)
        if row.mapped is not None:
            if chart.code(row.mapped.remote_code) is None:
                row.problem = _tax_gone(rate, row.mapped, name)
            else:
                row.problem = _tax_problem(row.rate, row.mapped.remote_code, chart, name) or ""
        elif row.suggestion.ambiguous:
            row.problem = (
                f"{percent(rate)}%: {name} has {len(row.suggestion.candidates)} tax codes at this "
                "rate. Choose one: documents at this rate are held back until you do."
            )
        rows.append(row)
    return rows


def _tax_problem(rate: Decimal, code_id: str, chart: Chart, name: str) -> str | None:
    """Why ``code_id`` cannot carry the hub's ``rate`` on the mapped income account."""
    code = chart.code(code_id)
    if code is None:
        return f"{percent(rate)}%: choose one of {name}'s tax codes."
    if code.account_kinds and AccountKind.INCOME not in code.account_kinds:
        return (
            f"{percent(rate)}%: {code.name} cannot be used on income (revenue) accounts in "
            f"{name}; choose a sales tax code."
        )
    if code.rate != Decimal(rate):
        return (
            f"{percent(rate)}%: {code.name} is {percent(code.rate)}% in {name}, not "
            f"{percent(rate)}%: the ledger would work out a different tax than the hub charged."
        )
    return None


@transaction.atomic
def mapping_save(*, integration: Integration, data, chart: Chart) -> list[str]:
    """Save the mapping posted from the settings page: ``data`` holds ``<role>_account``,
    ``item_<id>`` and ``tax_<rate>`` (rate with "_" for "."); "" clears a choice. Every
    choice is validated against the chart first; nothing is saved when any is refused
    (``ValidationError`` lists them all). Returns what changed, in words."""
    errors, changed = [], []
    mapping = AccountMapping.objects.select_for_update().get_or_create(integration=integration)[0]
    for role in ROLES:
        key = f"{role.name}_account"
        if key not in data:
            continue
        remote_id = str(data.get(key) or "").strip()
        if remote_id == getattr(mapping, f"{role.name}_account_id"):
            continue
        if remote_id:
            problem = _chosen_problem(role.label, remote_id, role, chart)
            if problem:
                errors.append(problem)
                continue
        account = chart.account(remote_id)
        setattr(mapping, f"{role.name}_account_id", remote_id)
        setattr(mapping, f"{role.name}_account_name", account.name if account else "")
        changed.append(role.label)
    mapping.save()
    items = {
        i.pk: i for i in ServiceItem.objects.filter(organisation_id=integration.organisation_id)
    }
    mapped = _item_mappings(integration)
    for key in data:
        if not key.startswith("item_"):
            continue
        try:
            item = items[int(key.removeprefix("item_"))]
        except (ValueError, KeyError):
            errors.append("A service item of another organisation or none was posted.")
            continue
        remote_id = str(data.get(key) or "").strip()
        current = mapped.get(item.pk)
        if remote_id == (current.income_account_id if current else ""):
            continue
        if not remote_id:
            current.delete()
            changed.append(item.name)
            continue
        problem = _chosen_problem(item.name, remote_id, ROLE["income"], chart)
        if problem:
            errors.append(problem)
            continue
        current = current or ItemAccountMapping(integration=integration, item=item)
        current.income_account_id = remote_id
        current.income_account_name = chart.account(remote_id).name
        current.save()
        changed.append(item.name)
    _taxes_save(integration, data, chart, errors, changed)
    if errors:
        raise ValidationError(errors)
    if changed:
        signals.integration_mapping_saved.send(sender=Integration, integration=integration)
    return changed


def _chosen_problem(label: str, remote_id: str, role: Role, chart: Chart) -> str:
    account = chart.account(remote_id)
    if account is None:
        return f"{label}: choose one of the ledger's accounts (Refresh if it is new)."
    return _account_problem(label, remote_id, account.name, role, chart)


def _taxes_save(integration, data, chart: Chart, errors: list, changed: list) -> None:
    name = integration.get_provider_display()
    mapped = _tax_mappings(integration)
    for key in data:
        match = RATE_FIELD.match(key)
        if not match:
            continue
        rate = rate_key(match.group(1).replace("_", "."))
        code_id = str(data.get(key) or "").strip()
        current = mapped.get(rate)
        if code_id == (current.remote_code if current else ""):
            continue
        if not code_id:
            current.delete()
            changed.append(f"{percent(rate)}% tax")
            continue
        problem = _tax_problem(rate, code_id, chart, name)
        if problem:
            errors.append(problem)
            continue
        code = chart.code(code_id)
        current = current or TaxMapping(integration=integration, rate=rate)
        current.remote_code, current.remote_name = code.code, code.name
        current.save()
        changed.append(f"{percent(rate)}% tax")


def kept_chart(integration: Integration) -> Chart | None:
    """The chart read last, if still kept: never a request."""
    return reference_cache.peek(integration, CHART)


def mapping_problems(integration: Integration, chart: Chart) -> list[str]:
    """Mapped accounts and codes the ledger no longer has (or has archived) in ``chart``. Reads
    the integration's mappings through its relations, so a caller may prefetch them
    (``account_mapping``, ``item_account_mappings__item``, ``tax_mappings``)."""
    problems = []
    mapping = getattr(integration, "account_mapping", None)
    if mapping is not None:
        for role in ROLES:
            remote_id = getattr(mapping, f"{role.name}_account_id")
            name = getattr(mapping, f"{role.name}_account_name")
            problems.append(_account_problem(role.label, remote_id, name, None, chart))
    for own in integration.item_account_mappings.all():
        problems.append(
            _account_problem(
                own.item.name, own.income_account_id, own.income_account_name, None, chart
            )
        )
    for mapped in integration.tax_mappings.all():
        if chart.code(mapped.remote_code) is None:
            problems.append(_tax_gone(mapped.rate, mapped, integration.get_provider_display()))
    return [problem for problem in problems if problem]
