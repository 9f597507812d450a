"""What the event-driven benchmark does as a user of the hub and as a user of each ledger.

The hub side goes through the domain services, as the Send button does: a new customer saved,
an invoice saved, then sent (``apps.invoices.services.invoice_send``); their outbox rows and
drains are whatever the product records. The ledger side edits an invoice through the
sandbox's own HTTP API, with a token of its own, as a ledger user's screen would.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import requests
from django.db import connection
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.common.lines import LineInput
from apps.customers.services import customer_create
from apps.integrations.models import Integration
from apps.invoices.services import invoice_create, invoice_send
from apps.sandbox.companies import company_create
from apps.sandbox.keys import lookup_key
from apps.sandbox.models import SandboxApp, SandboxCompany, SandboxRecord
from apps.sandbox.oauth import token_issue

from .benchmark_data import SCOPES, sandbox_integration_connect

PROVIDERS = ("quickbooks", "xero")
INVOICE_ENTITY = {"quickbooks": "Invoice", "xero": "Invoices"}
# Sample records a new sandbox company starts with that the hub would import on its first
# pull (and copy to the other ledger): the organisation starts with empty books instead.
SAMPLE_ENTITIES = {"quickbooks": ["Customer", "Invoice", "Payment"], "xero": ["Contacts"]}


@dataclass
class Sent:
    """One invoice a user sent: its number, when the send committed, its customer's e-mail."""

    organisation_id: int
    number: str
    sent_at: datetime
    email: str


@dataclass
class Tenant:
    organisation: Organisation
    integrations: list[Integration]

    def integration(self, provider: str) -> Integration:
        return next(i for i in self.integrations if i.provider == provider)


def tenant_create(name: str) -> Tenant:
    """An organisation connected to a new QuickBooks company and a new Xero tenant, both with
    their chart of accounts, items and tax rates but no customers or invoices yet; invoices go
    out immediately (the default)."""
    organisation = Organisation.objects.create(
        name=name, country="US", currency="USD", time_zone="America/New_York"
    )
    integrations = []
    for provider in PROVIDERS:
        company = company_create(provider=provider, name=f"{name} {provider}", country="US")
        company.records.filter(entity__in=SAMPLE_ENTITIES[provider]).delete()
        integrations.append(
            sandbox_integration_connect(
                organisation=organisation, provider=provider, nightly=False, company=company
            )
        )
    return Tenant(organisation, integrations)


ORGANISATION_PREFIX = "Events "


def earlier_runs_switched_off() -> int:
    """Sync switched off for the organisations of earlier runs, their waiting rows closed: a
    run stopped part-way (killed, timed out) leaves thousands of rows waiting, and the outbox
    sweep of this run would have its worker send them (or fail to, their tokens encrypted with
    that run's key) beside this run's own. How many rows were closed."""
    from apps.sync.models import Change

    earlier = Integration.objects.filter(organisation__name__startswith=ORGANISATION_PREFIX)
    earlier.filter(sync_enabled=True).update(sync_enabled=False)
    return Change.objects.filter(
        integration__in=earlier,
        state__in=[Change.State.PENDING, Change.State.IN_PROGRESS, Change.State.FAILED],
    ).update(state=Change.State.DONE, last_error="An earlier benchmark run stopped first.")


def send_with_new_customer(organisation: Organisation, n: int, tag: str) -> Sent:
    """What staff do for a new client: save the customer, save the invoice, press Send."""
    email = f"client{n:05d}.{tag}@bench.example"
    customer = customer_create(
        organisation=organisation,
        given_name="Client",
        family_name=f"{tag} {n:05d}",
        email=email,
        billing_country=organisation.country,
    )
    today = organisation.today()
    invoice = invoice_create(
        organisation=organisation,
        customer=customer,
        issue_date=today,
        due_date=today + timedelta(days=30),
        lines=[
            LineInput("Call-out and first hour", Decimal("1"), Decimal("95.00")),
            LineInput("Parts", Decimal(1 + n % 3), Decimal("12.50")),
        ],
    )
    invoice = invoice_send(invoice=invoice)
    return Sent(organisation.pk, invoice.number, timezone.now(), email)


def sends_in_thread(
    organisation: Organisation, first: int, count: int, tag: str, *, close: bool = True
) -> list[Sent]:
    """``count`` sends one after the other (one member of staff); a thread of its own closes
    its database connection at the end."""
    try:
        return [send_with_new_customer(organisation, first + k, tag) for k in range(count)]
    finally:
        if close:
            connection.close()


# --- the ledgers' side ------------------------------------------------------------------------
def invoice_record(integration: Integration, number: str) -> SandboxRecord | None:
    return SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id,
        entity=INVOICE_ENTITY[integration.provider],
        number_key=lookup_key(number),
        deleted=False,
    ).first()


def shows_due_date(data: dict, due: date) -> bool:
    return due.isoformat() in f"{data.get('DueDate', '')} {data.get('DueDateString', '')}"


def ledger_user_app(provider: str) -> SandboxApp:
    """The app the ledger's own screens stand for: not the hub's, so its calls use none of the
    hub's Xero budget (Xero counts per app and tenant), and it takes no notifications."""
    app, _ = SandboxApp.objects.get_or_create(
        client_id=f"ledgerlink-benchmark-ledger-user-{provider}",
        defaults={"provider": provider, "name": "Ledger user (benchmark)", "webhook_url": ""},
    )
    return app


class LedgerUser:
    """Someone editing invoices in a ledger's own screens, here through its API with a token
    of their own (the sandbox's request log counts these requests with the hub's)."""

    def __init__(self, site: str, integration: Integration) -> None:
        self.site = site
        self.integration = integration
        app = ledger_user_app(integration.provider)
        company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
        token = token_issue(app=app, company=company, scope=SCOPES[integration.provider])
        self.headers = {
            "Authorization": f"Bearer {token.access_token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def due_date_change(self, number: str, due: date) -> None:
        record = invoice_record(self.integration, number)
        if record is None:
            raise LookupError(f"Invoice {number} is not in {self.integration.provider}.")
        company = self.integration.remote_company_id
        if self.integration.provider == "quickbooks":
            url = f"{self.site}/sandbox/quickbooks/v3/company/{company}/invoice?minorversion=75"
            body = {
                "Id": record.record_id,
                "SyncToken": str(record.version),
                "sparse": True,
                "DueDate": due.isoformat(),
            }
            headers = self.headers
        else:
            url = f"{self.site}/sandbox/xero/api.xro/2.0/Invoices/{record.record_id}"
            body = {"Invoices": [{"InvoiceID": record.record_id, "DueDate": due.isoformat()}]}
            headers = self.headers | {"xero-tenant-id": company}
        answer = _post_until_admitted(url, body, headers)
        if answer.status_code != 200:
            raise RuntimeError(
                f"{self.integration.provider} refused the edit of {number}: "
                f"{answer.status_code} {answer.text[:300]}"
            )


def _post_until_admitted(url: str, body: dict, headers: dict, tries: int = 10):
    """A refusal for the rate limit is waited out (``Retry-After``), as a person would retry."""
    for _ in range(tries):
        answer = requests.post(url, json=body, headers=headers, timeout=30)
        if answer.status_code != 429:
            return answer
        time.sleep(min(60.0, float(answer.headers.get("Retry-After") or 1)))
    return answer
