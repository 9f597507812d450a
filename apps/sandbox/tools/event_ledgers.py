"""What the event-driven benchmark reads back: when each invoice appeared in each ledger, when
an edit reached the other ledger, whether everything has settled, and every ledger against the
hub. All times are the sandboxes' own record timestamps (the gunicorn process's clock, the same
machine's as this one), so how often this process looks does not add to a latency."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime

from django.utils import timezone

from apps.customers.models import Customer
from apps.integrations.models import Integration
from apps.invoices.models import Invoice
from apps.sandbox.keys import lookup_key
from apps.sandbox.models import SandboxRecord, SandboxRequest, SandboxWebhookDelivery
from apps.sync.models import Change, SyncRun

from .event_hub import INVOICE_ENTITY, Sent, Tenant, invoice_record, shows_due_date

CUSTOMER_ENTITY = {"quickbooks": "Customer", "xero": "Contacts"}
# How often the arrivals are looked for: the times come from the ledgers' own records, so this
# changes no figure, only what the looking costs the machine being measured.
POLL_SECONDS = 1.0
QUIET_SECONDS = 2.0
WAITING = (Change.State.PENDING, Change.State.IN_PROGRESS)


def p95(values: list[float], missing: int = 0) -> float | None:
    """The nearest-rank 95th percentile, counting what never arrived (``missing``) as slower
    than everything: None when the percentile falls on one of those, or there is nothing."""
    ordered = sorted(values) + [math.inf] * missing
    if not ordered:
        return None
    found = ordered[math.ceil(0.95 * len(ordered)) - 1]
    return None if math.isinf(found) else round(found, 2)


def landed_at(provider: str, numbers: dict[str, list[str]]) -> dict[tuple[str, str], datetime]:
    """(company, number) → when the ledger created that invoice, for those it has, from one
    query per provider whatever the number of companies (``numbers``: company → numbers)."""
    keys = {(company, lookup_key(n)): n for company, listed in numbers.items() for n in listed}
    rows = SandboxRecord.objects.filter(
        company__external_id__in=list(numbers),
        entity=INVOICE_ENTITY[provider],
        number_key__in={key for _, key in keys},
        deleted=False,
    ).values_list("company__external_id", "number_key", "created_at")
    found: dict[tuple[str, str], datetime] = {}
    for company, key, created in rows:
        number = keys.get((company, key))
        if number is not None:
            found[company, number] = min(created, found.get((company, number), created))
    return found


class Arrivals:
    """When each sent invoice reached each ledger; ``wait`` looks until all have or time is up."""

    def __init__(self, tenants: list[Tenant]) -> None:
        self.tenants = {tenant.organisation.pk: tenant for tenant in tenants}
        self.sent: list[Sent] = []
        self.seen: dict[tuple[str, str, int], datetime] = {}  # (provider, number, org) → time

    def add(self, sent: list[Sent]) -> None:
        self.sent.extend(sent)

    def pending(self) -> list[Sent]:
        return [s for s in self.sent if not self.in_both(s)]

    def in_both(self, sent: Sent) -> datetime | None:
        times = [self.seen.get((p, sent.number, sent.organisation_id)) for p in INVOICE_ENTITY]
        return None if None in times else max(times)

    def look(self) -> None:
        """One query per ledger for every invoice still on its way there (looking must not
        take the machine's cores from the worker and the sandboxes it measures)."""
        for provider in INVOICE_ENTITY:
            waiting: dict[str, list[str]] = {}
            organisation_of: dict[str, int] = {}
            for sent in self.sent:
                if (provider, sent.number, sent.organisation_id) in self.seen:
                    continue
                company = self.tenants[sent.organisation_id].integration(provider)
                waiting.setdefault(company.remote_company_id, []).append(sent.number)
                organisation_of[company.remote_company_id] = sent.organisation_id
            if not waiting:
                continue
            for (company, number), at in landed_at(provider, waiting).items():
                self.seen[(provider, number, organisation_of[company])] = at

    def wait(self, timeout: float, tick: Callable[[], None] = lambda: None) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            self.look()
            if not self.pending():
                return True
            if time.monotonic() > deadline:
                return False
            tick()
            time.sleep(POLL_SECONDS)

    def seconds(self, sent: Sent, provider: str | None = None) -> float | None:
        at = (
            self.in_both(sent)
            if provider is None
            else self.seen.get((provider, sent.number, sent.organisation_id))
        )
        return (at - sent.sent_at).total_seconds() if at else None


def edit_arrival(integration: Integration, number: str, due: date, timeout: float):
    """When the other ledger's copy first shows the new due date (its record's update time),
    or None when it did not within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = invoice_record(integration, number)
        if record is not None and shows_due_date(record.data, due):
            return record.updated_at
        time.sleep(POLL_SECONDS)
    return None


# --- settling ---------------------------------------------------------------------------------
def busy(tenants: list[Tenant]) -> bool:
    integrations = [i for t in tenants for i in t.integrations]
    companies = [i.remote_company_id for i in integrations]
    return (
        Change.objects.filter(integration__in=integrations, state__in=WAITING).exists()
        or SyncRun.objects.filter(integration__in=integrations, finished_at__isnull=True).exists()
        or SandboxWebhookDelivery.objects.filter(
            company__external_id__in=companies, delivered_at__isnull=True, attempts=0
        ).exists()
        or SandboxRequest.objects.filter(
            company__external_id__in=companies,
            created_at__gt=timezone.now() - timezone.timedelta(seconds=QUIET_SECONDS),
        ).exists()
    )


def settle(tenants: list[Tenant], timeout: float, tick: Callable[[], None]) -> bool:
    """Wait until nothing waits in the outbox, no run is open, every notification went out
    and no ledger has been asked anything for a few seconds (the echoes are over)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not busy(tenants):
            return True
        tick()
        time.sleep(0.5)
    return False


def requests_since(mark: int, integration: Integration) -> tuple[int, int]:
    """(requests answered, of which refused with 429) for the integration's company."""
    answered = SandboxRequest.objects.filter(
        pk__gt=mark, company__external_id=integration.remote_company_id
    )
    return answered.count(), answered.filter(status=429).count()


# --- every ledger against the hub -------------------------------------------------------------
def tally(tenants: list[Tenant], sent: list[Sent]) -> dict:
    """Duplicates and gaps of the sent invoices and their customers in every ledger (on the
    sandboxes' own records) and in the hub (a copy pulled back is an extra row: the ledgers
    started with no customers or invoices)."""
    counts = Counter()
    by_organisation: dict[int, list[Sent]] = {}
    for s in sent:
        by_organisation.setdefault(s.organisation_id, []).append(s)
    for tenant in tenants:
        mine = by_organisation.get(tenant.organisation.pk, [])
        for integration in tenant.integrations:
            _ledger_tally(counts, integration, mine)
        organisation = tenant.organisation
        counts["hub_duplicates"] += max(
            0, Invoice.objects.filter(organisation=organisation).count() - len(mine)
        ) + max(0, Customer.objects.filter(organisation=organisation).count() - len(mine))
    return dict(counts)


def _ledger_tally(counts: Counter, integration: Integration, mine: list[Sent]) -> None:
    provider = integration.provider
    records = SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id, deleted=False
    )
    numbers = Counter(
        records.filter(entity=INVOICE_ENTITY[provider]).values_list("number_key", flat=True)
    )
    emails = Counter(
        records.filter(entity=CUSTOMER_ENTITY[provider]).values_list("email_key", flat=True)
    )
    for key, counter in ((lookup_key(s.number), numbers) for s in mine):
        counts[f"{provider}_invoices_missing"] += counter[key] == 0
        counts[f"{provider}_invoice_duplicates"] += max(0, counter[key] - 1)
    for key in (lookup_key(s.email) for s in mine):
        counts[f"{provider}_customers_missing"] += emails[key] == 0
        counts[f"{provider}_customer_duplicates"] += max(0, emails[key] - 1)
