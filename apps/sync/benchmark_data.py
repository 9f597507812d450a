"""What the sync benchmark (and the nightly export's tests) set up: an organisation connected to
fresh sandbox companies, and sent invoices waiting in the outbox, written in bulk.

The rows are written directly (bulk_create), not through the services, because the benchmark
measures the export, not ten thousand form saves; the outbox rows are exactly what
``apps.sync.recorder.record_change`` writes for a sent invoice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.common.documents import compute_totals
from apps.customers.matching import normalise_email, normalise_name
from apps.customers.models import Customer
from apps.integrations.companies import region_for_country
from apps.integrations.models import Integration
from apps.integrations.oauth import TokenSet
from apps.integrations.tokens import apply_tokens
from apps.invoices.models import Invoice, InvoiceLine
from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.companies import company_create
from apps.sandbox.oauth import token_issue

from .models import Change, Kind

SCOPES = {
    "quickbooks": "com.intuit.quickbooks.accounting",
    "xero": "openid offline_access accounting.transactions accounting.contacts accounting.settings",
}
CHUNK = 1000


def sandbox_integration_connect(
    *, organisation: Organisation, provider: str, nightly: bool = True
) -> Integration:
    """A new sandbox company of ``provider`` connected to ``organisation``, as the connect flow
    would leave it (tokens encrypted), with invoice export set to nightly."""
    app = next(app for app in ensure_default_apps() if app.provider == provider)
    company = company_create(
        provider=provider,
        name=f"{organisation.name} {provider}",
        country=organisation.country,
        currency=organisation.currency,
    )
    token = token_issue(app=app, company=company, scope=SCOPES[provider])
    integration = Integration(
        organisation=organisation,
        provider=provider,
        remote_company_id=company.external_id,
        remote_company_name=company.name,
        country=organisation.country,
        currency=organisation.currency,
        region=region_for_country(organisation.country),
        connected_at=timezone.now(),
        invoice_export_timing=(
            Integration.ExportTiming.NIGHTLY if nightly else Integration.ExportTiming.IMMEDIATE
        ),
        nightly_export_time=time(2, 0),
    )
    apply_tokens(
        integration,
        TokenSet(
            access_token=token.access_token,
            refresh_token=token.refresh_token,
            access_expires_at=token.access_expires_at,
            refresh_expires_at=token.refresh_expires_at,
        ),
    )
    integration.save()
    return integration


def customers_create(*, organisation: Organisation, count: int, tag: str) -> list[int]:
    """``count`` new customers with distinct names and e-mail addresses; their ids."""
    ids: list[int] = []
    for start in range(0, count, CHUNK):
        rows = []
        for n in range(start, min(count, start + CHUNK)):
            name = f"Bench {tag} Customer {n:05d}"
            email = f"customer{n:05d}.{tag}@bench.example"
            rows.append(
                Customer(
                    organisation=organisation,
                    given_name="Bench",
                    family_name=f"{tag} {n:05d}",
                    display_name=name,
                    email=email,
                    email_normalised=normalise_email(email),
                    name_normalised=normalise_name(name),
                    billing_country=organisation.country,
                )
            )
        ids.extend(c.pk for c in Customer.objects.bulk_create(rows))
    return ids


def _lines(n: int) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            position=0,
            description="Call-out and first hour",
            quantity=Decimal("1"),
            unit_price=Decimal("95.00"),
        ),
        InvoiceLine(
            position=1,
            description="Parts",
            quantity=Decimal(1 + n % 3),
            unit_price=Decimal("12.50"),
        ),
    ]


def sent_invoices_create(
    *,
    organisation: Organisation,
    customer_ids: list[int],
    integrations: list[Integration],
    tag: str,
    first_number: int,
) -> int:
    """One sent invoice per customer, queued for every integration; how many were made."""
    made = 0
    for start in range(0, len(customer_ids), CHUNK):
        chunk = customer_ids[start : start + CHUNK]
        with transaction.atomic():
            invoices, lines = [], []
            for offset, customer_id in enumerate(chunk):
                n = first_number + start + offset
                invoice, invoice_lines = _invoice(organisation, customer_id, n, tag)
                invoices.append(invoice)
                lines.append(invoice_lines)
            Invoice.objects.bulk_create(invoices)
            for invoice, invoice_lines in zip(invoices, lines, strict=True):
                for line in invoice_lines:
                    line.invoice = invoice
            InvoiceLine.objects.bulk_create(line for group in lines for line in group)
            Change.objects.bulk_create(_changes(invoices, integrations))
        made += len(chunk)
    return made


def _invoice(organisation, customer_id: int, n: int, tag: str):
    lines = _lines(n)
    totals = compute_totals(lines, discount_percent=Decimal("0"), tax_rate=Decimal("0"))
    for line, amount in zip(lines, totals.line_amounts, strict=True):
        line.amount = amount
    today = date.today()
    invoice = Invoice(
        organisation=organisation,
        customer_id=customer_id,
        number=f"B{tag}-{n:06d}"[:21],
        issue_date=today,
        due_date=today + timedelta(days=30),
        currency=organisation.currency,
        status=Invoice.Status.SENT,
        sent_at=timezone.now(),
        subtotal=totals.subtotal,
        discount_total=totals.discount_total,
        tax_total=totals.tax_total,
        total=totals.total,
    )
    return invoice, lines


def _changes(invoices, integrations) -> Iterator[Change]:
    for invoice in invoices:
        for integration in integrations:
            yield Change(integration=integration, kind=Kind.INVOICE, object_id=invoice.pk)
