"""Adapters against the sandboxes over real HTTP (pytest-django's live server serves them)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from apps.common.documents import compute_totals
from apps.integrations import crypto
from apps.integrations.companies import region_for_country
from apps.integrations.models import Integration
from apps.integrations.registry import adapter_for
from apps.sandbox import oauth
from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.companies import company_create
from apps.sandbox.models import SandboxRecord
from tests.factories import CustomerFactory, InvoiceFactory, OrganisationFactory
from tests.integrations.conftest import sandbox  # noqa: F401 (the fixture itself)

CURRENCY = {"US": "USD", "CA": "CAD", "GB": "GBP", "AU": "AUD", "NZ": "NZD"}

# Lines whose amounts do not divide evenly: rounding must still leave both totals equal.
AWKWARD = (
    ("Gutter clean", "3", "33.33", "7.5", True),
    ("Call-out", "1", "19.99", "0", False),
    ("Parts", "2.5", "12.47", "2.25", True),
)


@pytest.fixture
def connect(sandbox):  # noqa: F811
    """An organisation connected to a fresh sandbox company: (integration, sandbox company)."""

    def make(provider: str, country: str = "US"):
        app = next(a for a in ensure_default_apps() if a.provider == provider)
        company = company_create(
            provider=provider, name=f"{provider} {country} books", country=country
        )
        token = oauth.token_issue(app=app, company=company)
        organisation = OrganisationFactory(country=country, currency=CURRENCY[country])
        integration = Integration.objects.create(
            organisation=organisation,
            provider=provider,
            remote_company_id=company.external_id,
            remote_company_name=company.name,
            country=country,
            currency=CURRENCY[country],
            region=region_for_country(country),
            access_token_encrypted=crypto.encrypt(token.access_token),
            refresh_token_encrypted=crypto.encrypt(token.refresh_token),
            access_expires_at=token.access_expires_at,
            refresh_expires_at=token.refresh_expires_at,
        )
        return integration, company

    return make


@pytest.fixture
def qbo(connect):
    integration, company = connect("quickbooks", "US")
    return adapter_for(integration), company


@pytest.fixture
def xero(connect):
    integration, company = connect("xero", "US")
    return adapter_for(integration), company


@pytest.fixture(params=["quickbooks", "xero"])
def either(request, connect):
    """The same behaviour checked against each provider's adapter in turn."""
    integration, company = connect(request.param, "US")
    return adapter_for(integration), company


def hub_customer(integration, **fields):
    return CustomerFactory(organisation=integration.organisation, **fields)


def pushed_customer(adapter, **fields):
    """A hub customer already created in the adapter's company: (customer, Pushed)."""
    customer = hub_customer(adapter.integration, **fields)
    return customer, adapter.push_customer(customer, None, key=f"cust-{customer.pk}")


def hub_invoice(
    integration,
    customer,
    *,
    lines=(("Call-out", "1", "100.00", "0", True),),
    discount="0",
    tax="0",
    **fields,
):
    """A sent invoice with its lines and the totals the hub computes."""
    invoice = InvoiceFactory(
        organisation=integration.organisation,
        customer=customer,
        currency=integration.currency,
        status="sent",
        discount_percent=Decimal(discount),
        tax_rate=Decimal(tax),
        line=None,
        **fields,
    )
    for position, (description, quantity, price, line_discount, taxable) in enumerate(lines):
        invoice.lines.create(
            position=position,
            description=description,
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            discount_percent=Decimal(line_discount),
            taxable=taxable,
        )
    totals = compute_totals(
        invoice.lines.all(), discount_percent=invoice.discount_percent, tax_rate=invoice.tax_rate
    )
    invoice.subtotal, invoice.discount_total = totals.subtotal, totals.discount_total
    invoice.tax_total, invoice.total = totals.tax_total, totals.total
    invoice.save()
    return invoice


def written(company, entity: str):
    """The company's records of ``entity`` that the product wrote: a QuickBooks company starts
    with Intuit's sample data, made before the company itself."""
    return SandboxRecord.objects.filter(
        company=company, entity=entity, created_at__gte=F("company__created_at")
    )


MAPPING_TABLES = ("accountmapping", "taxmapping")  # itemaccountmapping contains the first


def mapping_reads(push) -> int:
    """How many queries ``push()`` makes of the integration's mapping rows."""
    with CaptureQueriesContext(connection) as captured:
        push()
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith("SELECT")
        and any(table in query["sql"].lower() for table in MAPPING_TABLES)
    )


def mapping_reads_of_batches(adapter, customer, remote_customer: str) -> list[int]:
    """The mapping reads of a batch of 2 taxed invoices and of one of 6 (after a first batch
    that made the tax mapping)."""

    def batch(count: int, name: str) -> list:
        invoices = [hub_invoice(adapter.integration, customer, tax="10") for _ in range(count)]
        return [(inv, None, remote_customer, f"{name}{n}") for n, inv in enumerate(invoices)]

    adapter.push_invoices_batch(batch(1, "warm"))
    reads = []
    for count, name in ((2, "small"), (6, "large")):
        items = batch(count, name)
        reads.append(mapping_reads(lambda items=items: adapter.push_invoices_batch(items)))
    return reads
