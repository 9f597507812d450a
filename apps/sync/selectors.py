"""Reading sync state for pages: a record's links everywhere, the Sync Log with its filters."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.catalog.models import ServiceItem
from apps.customers.models import Customer
from apps.integrations.ledger_pages import record_page
from apps.integrations.models import Integration
from apps.invoices.models import Invoice, Payment
from apps.quotes.models import Quote
from apps.timesheets.models import TimeEntry

from .models import Change, Kind, Link, SyncLogEntry, SyncRun

HISTORY_LENGTH = 5


@dataclass
class RecordLink:
    """Where one hub record is in one integration: "where is this invoice?"."""

    integration: Integration
    link: Link | None
    waiting: Change | None  # a pending, held-back or failed outbox row, if any
    history: list[SyncLogEntry] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.waiting is not None and self.waiting.state == Change.State.FAILED:
            return "failed"
        if self.waiting is not None and self.waiting.state in (
            Change.State.PENDING,
            Change.State.IN_PROGRESS,
        ):
            return "waiting"
        if self.link is not None:
            return "linked"
        if self.history and self.history[0].outcome == SyncLogEntry.Outcome.HELD_BACK:
            return "held_back"
        return "not_sent"

    @property
    def ledger_url(self) -> str:
        """The linked record's own page in the ledger (or the sandbox console), if it has one."""
        if self.link is None:
            return ""
        return record_page(self.integration, kind=self.link.kind, remote_id=self.link.remote_id)


def record_links(*, organisation, kind: str, object_id: int) -> list[RecordLink]:
    """The record's link, latest outbox row and recent history in every integration of the
    organisation (connected or not: a disconnected one keeps its links)."""
    integrations = list(Integration.objects.filter(organisation=organisation))
    ids = [i.pk for i in integrations]
    links = {
        link.integration_id: link
        for link in Link.objects.filter(
            integration_id__in=ids, kind=kind, object_id=object_id, merged_into__isnull=True
        )
    }
    rows = []
    for integration in integrations:
        waiting = (
            Change.objects.filter(integration=integration, kind=kind, object_id=object_id)
            .exclude(state=Change.State.DONE)
            .order_by("-id")
            .first()
        )
        history = list(
            SyncLogEntry.objects.filter(integration=integration, kind=kind, object_id=object_id)[
                :HISTORY_LENGTH
            ]
        )
        rows.append(RecordLink(integration, links.get(integration.pk), waiting, history))
    return rows


@dataclass(frozen=True)
class LogFilters:
    integration: int | None = None
    kind: str = ""
    outcome: str = ""
    direction: str = ""
    search: str = ""
    since: date | None = None
    until: date | None = None
    # "Unchanged" rows (a pull that found the record as the hub has it) are most of a quiet
    # log: hidden unless asked for, or unless the outcome filter asks for them.
    unchanged: bool = False


def log_entries(*, organisation, filters: LogFilters) -> QuerySet[SyncLogEntry]:
    """The organisation's Sync Log, newest first, with what a page shows of each entry's run
    and integration, and whether the record is still failed there (Retry is offered)."""
    failed = Change.objects.filter(
        integration_id=OuterRef("integration_id"),
        kind=OuterRef("kind"),
        object_id=OuterRef("object_id"),
        state=Change.State.FAILED,
    )
    entries = (
        SyncLogEntry.objects.filter(integration__organisation=organisation)
        .select_related("integration", "run")
        .annotate(retryable=Exists(failed))  # the record is still failed there: offer Retry
    )
    return _filtered(entries, organisation=organisation, filters=filters)


def hidden_unchanged(*, organisation, filters: LogFilters) -> int:
    """How many "unchanged" entries the other filters match while they are hidden."""
    if filters.unchanged or filters.outcome:
        return 0
    entries = SyncLogEntry.objects.filter(integration__organisation=organisation)
    shown = replace(filters, unchanged=True, outcome=SyncLogEntry.Outcome.SKIPPED)
    return _filtered(entries, organisation=organisation, filters=shown).count()


def _filtered(entries, *, organisation, filters: LogFilters):
    if filters.integration:
        entries = entries.filter(integration_id=filters.integration)
    if filters.kind in Kind.values:
        entries = entries.filter(kind=filters.kind)
    if filters.outcome in SyncLogEntry.Outcome.values:
        entries = entries.filter(outcome=filters.outcome)
    elif not filters.unchanged:
        entries = entries.exclude(outcome=SyncLogEntry.Outcome.SKIPPED)
    if filters.direction in SyncLogEntry.Direction.values:
        entries = entries.filter(direction=filters.direction)
    if filters.search:
        entries = entries.filter(records_named(filters.search, organisation=organisation))
    # Days are the organisation's: the current time zone is its own during a request.
    if filters.since:
        entries = entries.filter(created_at__date__gte=filters.since)
    if filters.until:
        entries = entries.filter(created_at__date__lte=filters.until)
    return entries


def records_named(text: str, *, organisation) -> Q:
    """Entries whose record has ``text`` in its number or name (an invoice's or quote's number
    or customer, a customer's name or e-mail, a payment's invoice number or customer, an
    item's name, a time entry's team member), or whose remote id is ``text``: subqueries, so
    the search stays one query."""
    text = text.strip()
    matches = {
        Kind.CUSTOMER: Customer.objects.filter(
            Q(display_name__icontains=text) | Q(email__icontains=text), organisation=organisation
        ),
        Kind.INVOICE: Invoice.objects.filter(
            Q(number__icontains=text) | Q(customer__display_name__icontains=text),
            organisation=organisation,
        ),
        Kind.QUOTE: Quote.objects.filter(
            Q(number__icontains=text) | Q(customer__display_name__icontains=text),
            organisation=organisation,
        ),
        Kind.PAYMENT: Payment.objects.filter(
            Q(invoice__number__icontains=text) | Q(customer__display_name__icontains=text),
            customer__organisation=organisation,
        ),
        Kind.ITEM: ServiceItem.objects.filter(name__icontains=text, organisation=organisation),
        Kind.TIME_ENTRY: TimeEntry.objects.filter(
            timesheet__member__name__icontains=text, timesheet__organisation=organisation
        ),
    }
    condition = Q(remote_id=text)
    for kind, rows in matches.items():
        condition |= Q(kind=kind, object_id__in=rows.values("pk"))
    return condition


@dataclass
class RunGroup:
    """Consecutive entries of one run on a page (or of no run), under the run's summary."""

    run: SyncRun | None
    entries: list[SyncLogEntry] = field(default_factory=list)


def group_by_run(entries: list[SyncLogEntry]) -> list[RunGroup]:
    groups: list[RunGroup] = []
    for entry in entries:
        if not groups or groups[-1].entries[-1].run_id != entry.run_id:
            groups.append(RunGroup(entry.run))
        groups[-1].entries.append(entry)
    return groups
