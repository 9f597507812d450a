"""What the sync benchmark (and the nightly export's tests) set up: an organisation connected to
fresh sandbox companies, and sent invoices waiting in the outbox, written in bulk.

The rows are written directly (bulk_create), not through the services, because the benchmark
measures the export, not ten thousand form saves; the outbox rows are exactly what
``apps.sync.recorder.record_change`` writes for a sent invoice.
"""

from __future__ import annotations

from collections import Counter
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
from apps.sandbox.models import SandboxCompany, SandboxRecord
from apps.sandbox.oauth import token_issue
from apps.sync.models import Change, Kind

SCOPES = {
    "quickbooks": "com.intuit.quickbooks.accounting",
    "xero": "openid offline_access accounting.transactions accounting.contacts accounting.settings",
    # The scopes the MYOB adapter asks for (apps/integrations/myob/auth.py).
    "myob": "sme-company-file sme-contacts-customer sme-sales sme-inventory sme-general-ledger",
}
CHUNK = 1000
# Where the benchmark's and fault suite's organisations are: Australia, the one country every
# provider connects (a MYOB company file is Australian or New Zealand; docs/myob.md).
PLACE = {"country": "AU", "currency": "AUD", "time_zone": "Australia/Sydney"}


def sandbox_integration_connect(
    *,
    organisation: Organisation,
    provider: str,
    nightly: bool = True,
    company: SandboxCompany | None = None,
) -> Integration:
    """A new sandbox company of ``provider`` (or ``company``) connected to ``organisation``, as
    the connect flow would leave it (tokens encrypted), with invoice export set to nightly."""
    app = next(app for app in ensure_default_apps() if app.provider == provider)
    company = company or company_create(
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
        # 13 characters: the longest number every provider takes (MYOB's sale Number).
        number=f"B{tag}-{n:05d}",
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


REMOTE_SHAPE = {
    # provider: (invoice entity, its number field, customer entity, e-mail of a customer record)
    "quickbooks": (
        "Invoice",
        "DocNumber",
        "Customer",
        lambda data: (data.get("PrimaryEmailAddr") or {}).get("Address", ""),
    ),
    "xero": ("Invoices", "InvoiceNumber", "Contacts", lambda data: data.get("EmailAddress", "")),
    "myob": (
        "myob:Sale/Invoice",
        "Number",
        "myob:Contact/Customer",
        lambda data: next((a.get("Email") or "" for a in data.get("Addresses") or []), ""),
    ),
}


def sandbox_tally(*, integration: Integration, tag: str) -> dict:
    """Duplicates and gaps of the invoices and customers made with ``tag`` in the integration's
    sandbox company, counted on the sandbox's own records (not on our links). Records pulled in
    from the sandboxes' sample data are not the benchmark's and are left out."""
    invoice_entity, number_field, customer_entity, email_of = REMOTE_SHAPE[integration.provider]
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
    records = SandboxRecord.objects.filter(company=company, deleted=False)
    numbers = Counter(
        data.get(number_field)
        for data in records.filter(entity=invoice_entity).values_list("data", flat=True).iterator()
    )
    emails = Counter(
        email_of(data).lower()
        for data in records.filter(entity=customer_entity).values_list("data", flat=True).iterator()
    )
    organisation = integration.organisation
    invoices = Invoice.objects.filter(organisation=organisation, number__startswith=f"B{tag}-")
    hub_numbers = set(invoices.values_list("number", flat=True))
    customers = Customer.objects.filter(
        organisation=organisation, email_normalised__endswith=f".{tag}@bench.example"
    )
    hub_emails = set(customers.values_list("email_normalised", flat=True))
    return {
        "invoices_found": sum(numbers[number] for number in hub_numbers),
        "invoice_duplicates": sum(numbers[n] - 1 for n in hub_numbers if numbers[n] > 1),
        "invoices_missing": sum(1 for n in hub_numbers if not numbers[n]),
        "customers_found": sum(emails[email] for email in hub_emails),
        "customer_duplicates": sum(emails[e] - 1 for e in hub_emails if emails[e] > 1),
        "customers_missing": sum(1 for e in hub_emails if not emails[e]),
    }
