"""Needs attention: every record staff must act on, with the reason in plain words and the fix
one click away (the dashboard and the Integrations page show it).

- records a ledger refused (parked outbox rows: docs/sync-rules.md, "Retries and parking"):
  Retry, plus the fix the refusal points at (the currency, the mapping, the settings);
- records held back for a reason staff can fix (a team member not mapped to an employee, a tax
  rate or account not mapped: docs/mapping.md), while
  no newer attempt of the same record exists;
- connections that need reconnecting;
- mapped accounts and tax codes a ledger no longer has (docs/mapping.md);
- customers who look like the same person (docs/sync-rules.md, "Matching and duplicates").

Read in a fixed number of queries, however many records are listed (one per kind of record).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from apps.catalog.models import ServiceItem
from apps.customers.models import Customer
from apps.customers.selectors import duplicate_suggestions
from apps.integrations.mapping_pages import kept_chart, mapping_problems
from apps.integrations.mappings import ACCOUNT_HOLD, TAX_HOLD, held_rate
from apps.integrations.models import Integration
from apps.invoices.models import Invoice, Payment
from apps.quotes.models import Quote
from apps.timesheets.models import TimeEntry

from .models import Change, Kind

# At most this many failed or held-back records are listed; the Sync Log has the rest.
LIMIT = 50
# The hold-back reason of a time entry whose team member has no employee in the ledger
# (apps/sync/timesheets.py, ``unmapped``): the one hold-back staff fix.
UNMAPPED = "is not mapped to"


@dataclass
class Fix:
    label: str
    url: str
    post: bool = False  # a button (the action happens) rather than a link (a page to fix it on)


@dataclass
class Item:
    what: str
    reason: str
    url: str = ""
    integration: Integration | None = None
    fixes: list[Fix] = field(default_factory=list)


def _names(kind: str, ids: set[int]) -> dict[int, tuple[str, str]]:
    """(name as people say it, page) of each record of ``kind``, in one query."""
    if kind in (Kind.INVOICE, Kind.QUOTE):
        model = Invoice if kind == Kind.INVOICE else Quote
        rows = model.objects.filter(pk__in=ids).select_related("customer")
        return {
            r.pk: (f"{r.number} · {r.customer.display_name}", r.get_absolute_url()) for r in rows
        }
    if kind == Kind.CUSTOMER:
        rows = Customer.objects.filter(pk__in=ids)
        return {r.pk: (r.display_name, r.get_absolute_url()) for r in rows}
    if kind == Kind.PAYMENT:
        rows = Payment.objects.filter(pk__in=ids).select_related("invoice", "customer")
        return {
            r.pk: (
                f"Payment of {r.amount} · {r.customer.display_name}",
                r.invoice.get_absolute_url() if r.invoice else r.customer.get_absolute_url(),
            )
            for r in rows
        }
    if kind == Kind.ITEM:
        rows = ServiceItem.objects.filter(pk__in=ids)
        return {r.pk: (r.name, r.get_absolute_url()) for r in rows}
    if kind == Kind.TIME_ENTRY:
        rows = TimeEntry.objects.filter(pk__in=ids).select_related("timesheet__member")
        return {
            r.pk: (
                f"Time entry of {r.timesheet.member} on {r.date:%d %b %Y}",
                r.timesheet.get_absolute_url(),
            )
            for r in rows
        }
    return {}


def mapping_fix(integration_id: int, reason: str) -> Fix | None:
    """The fix of a record held back for want of a mapping (docs/mapping.md): the rate's row,
    or the accounts, on the integration's settings page. Also shown in the Sync Log."""
    settings = reverse("integrations:settings", args=[integration_id])
    if TAX_HOLD in reason:
        rate = held_rate(reason)
        return Fix("Map this rate", f"{settings}#tax-{rate}" if rate else f"{settings}#tax-mapping")
    if ACCOUNT_HOLD in reason:
        return Fix("Choose the account", f"{settings}#account-mapping")
    return None


def _fixes(change: Change, url: str) -> list[Fix]:
    """The one-click fixes of a refused or held-back record."""
    integration, error = change.integration, change.last_error.lower()
    settings = reverse("integrations:settings", args=[integration.pk])
    fixes = []
    if change.state == Change.State.FAILED:
        retry = reverse("sync:retry", args=[integration.pk, change.kind, change.object_id])
        fixes.append(Fix("Retry", retry, post=True))
    if "currenc" in error and change.kind in (Kind.INVOICE, Kind.QUOTE):
        fixes.append(Fix("Change the currency", f"{url}edit/"))
    mapping = mapping_fix(integration.pk, change.last_error)
    if mapping is not None:
        fixes.append(mapping)
    elif change.kind == Kind.TIME_ENTRY and ("employee" in error or UNMAPPED in error):
        fixes.append(Fix("Open the employee mapping", f"{settings}employees/"))
    elif any(word in error for word in ("account", "tax", "mapping", "setting")):
        fixes.append(Fix("Open the settings", settings))
    return fixes


def _reason(change: Change) -> str:
    name = change.integration.get_provider_display()
    message = change.last_error.strip() or "no reason was given"
    if change.state == Change.State.FAILED:
        return f"{name} refused it: {message}"
    return f"Not sent to {name}: {message}"


def _changes(organisation) -> list[Change]:
    newer = Change.objects.filter(
        integration_id=OuterRef("integration_id"),
        kind=OuterRef("kind"),
        object_id=OuterRef("object_id"),
        pk__gt=OuterRef("pk"),
    )
    failed = Change.objects.filter(state=Change.State.FAILED)
    held = (
        Change.objects.filter(state=Change.State.HELD_BACK)
        .filter(
            Q(kind=Kind.TIME_ENTRY, last_error__contains=UNMAPPED)
            | Q(last_error__contains=TAX_HOLD)
            | Q(last_error__contains=ACCOUNT_HOLD)
        )
        .exclude(Exists(newer))
    )
    rows = (failed | held).filter(integration__organisation=organisation)
    return list(rows.select_related("integration").order_by("-updated_at", "-pk")[:LIMIT])


def _record_items(organisation) -> list[Item]:
    changes = _changes(organisation)
    ids: dict[str, set[int]] = defaultdict(set)
    for change in changes:
        ids[change.kind].add(change.object_id)
    names = {kind: _names(kind, kind_ids) for kind, kind_ids in ids.items()}
    items = []
    for change in changes:
        name, url = names[change.kind].get(
            change.object_id, (f"{Kind(change.kind).label} (deleted)", "")
        )
        items.append(Item(name, _reason(change), url, change.integration, _fixes(change, url)))
    return items


def _connection_items(organisation) -> list[Item]:
    needing = Integration.objects.filter(
        organisation=organisation, status=Integration.Status.NEEDS_RECONNECT
    )
    return [
        Item(
            str(integration),
            f"{integration.get_provider_display()} refused the connection: nothing syncs with it "
            "until it is reconnected.",
            reverse("integrations:settings", args=[integration.pk]),
            integration,
            [Fix("Reconnect", reverse("integrations:connect", args=[integration.provider]))],
        )
        for integration in needing
    ]


def _mapping_items(organisation) -> list[Item]:
    """Mapped accounts or tax codes a ledger no longer has or has archived, from the chart kept
    when it was last read (no request to any ledger): docs/mapping.md."""
    connected = Integration.objects.filter(
        organisation=organisation, status=Integration.Status.CONNECTED
    )
    charts = {i.pk: chart for i in connected if (chart := kept_chart(i)) is not None}
    if not charts:
        return []
    read = connected.filter(pk__in=charts).select_related("account_mapping")
    read = read.prefetch_related("item_account_mappings__item", "tax_mappings")
    items = []
    for integration in read:
        settings = reverse("integrations:settings", args=[integration.pk]) + "#account-mapping"
        for problem in mapping_problems(integration, charts[integration.pk]):
            items.append(
                Item(
                    f"{integration} mapping",
                    problem,
                    settings,
                    integration,
                    [Fix("Open the mapping", settings)],
                )
            )
    return items


def _duplicate_items(organisation) -> list[Item]:
    return [
        Item(
            " and ".join(c.display_name for c in suggestion.customers),
            f"Probably one person ({suggestion.reason.lower()}): merge them so each ledger "
            "has one customer.",
            fixes=[Fix("Merge", f"{reverse('customers:merge')}?ids={suggestion.ids}")],
        )
        for suggestion in duplicate_suggestions(organisation=organisation)
    ]


def attention_items(*, organisation) -> list[Item]:
    """Everything that needs staff, most urgent first: connections, records, duplicates."""
    return (
        _connection_items(organisation)
        + _mapping_items(organisation)
        + _record_items(organisation)
        + _duplicate_items(organisation)
    )
