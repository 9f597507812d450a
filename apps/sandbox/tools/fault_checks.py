"""What the fault suite counts after each fault: every ledger against the hub, and the hub
against itself. Counted on the sandboxes' own records and the hub's rows, never on our links
alone (a link can be wrong too)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from apps.accounts.models import Organisation
from apps.customers.models import Customer
from apps.integrations.models import Integration
from apps.invoices.models import Invoice
from apps.sync.models import Change, Link, SyncRun

from .benchmark_data import sandbox_tally

STUCK = (Change.State.PENDING, Change.State.IN_PROGRESS, Change.State.FAILED)


@dataclass
class Row:
    fault: str
    duplicates: int = 0
    missing: int = 0
    runs_open: int = 0
    failed_left: int = 0
    seconds: float = 0.0
    note: str = ""
    left: list[str] = field(default_factory=list)  # what stayed failed or waiting, and why

    @property
    def ok(self) -> bool:
        counts = (self.duplicates, self.missing, self.runs_open, self.failed_left)
        return not any(counts) and not self.note


def export_row(
    fault: str, organisation: Organisation, integrations: list[Integration], tag: str, n: int
) -> Row:
    """Each of the organisation's ``n`` invoices and customers exactly once in the hub and in
    every ledger, and linked; every run closed; nothing failed or waiting."""
    row = Row(fault)
    for integration in integrations:
        tally = sandbox_tally(integration=integration, tag=tag)
        row.duplicates += tally["invoice_duplicates"] + tally["customer_duplicates"]
        row.missing += tally["invoices_missing"] + tally["customers_missing"]
    invoices = Invoice.objects.filter(organisation=organisation, number__startswith=f"B{tag}-")
    customers = Customer.objects.filter(
        organisation=organisation, email_normalised__endswith=f".{tag}@bench.example"
    )
    # A copy pulled back in is numbered "…-QUI" / "…-XER", or is a second customer.
    row.duplicates += max(0, invoices.count() - n) + max(0, customers.count() - n)
    for integration in integrations:
        linked = Link.objects.filter(integration=integration, kind="invoice").values("object_id")
        row.missing += invoices.exclude(pk__in=linked).count()
    _loose_ends(row, integrations)
    return row


def pull_row(fault: str, readers: list[Integration], tag: str, n: int) -> Row:
    """Each of the ``n`` remote invoices exactly once in each reading organisation."""
    row = Row(fault)
    for integration in readers:
        numbers = Counter(
            number.rsplit("-", 1)[0] if number.endswith(("-QUI", "-XER")) else number
            for number in Invoice.objects.filter(
                organisation=integration.organisation, number__startswith=f"B{tag}-"
            ).values_list("number", flat=True)
        )
        row.duplicates += sum(count - 1 for count in numbers.values())
        row.missing += n - len(numbers)
    _loose_ends(row, readers)
    return row


def _loose_ends(row: Row, integrations: list[Integration]) -> None:
    row.runs_open = SyncRun.objects.filter(
        integration__in=integrations, finished_at__isnull=True
    ).count()
    stuck = Change.objects.filter(integration__in=integrations, state__in=STUCK)
    row.failed_left = stuck.count()
    row.left = [
        f"{c.kind} {c.object_id} → {c.integration.provider}: {c.state}, {c.attempts} tries, "
        f"{c.last_error or 'no error'}"
        for c in stuck.select_related("integration").order_by("pk")[:5]
    ]


HEADER = ("fault", "duplicates", "missing", "runs left open", "failed left", "seconds")


def table(rows: list[Row]) -> list[str]:
    cells = [HEADER] + [
        (r.fault, r.duplicates, r.missing, r.runs_open, r.failed_left, f"{r.seconds:.0f}")
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in cells) for i in range(len(HEADER))]
    lines = [
        " | ".join(str(value).ljust(width) for value, width in zip(line, widths, strict=True))
        for line in cells
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    lines += [f"  {r.fault}: {r.note}" for r in rows if r.note]
    lines += [f"  {r.fault}: left {entry}" for r in rows for entry in r.left]
    return lines
