"""Fixtures of the sync engine's tests: an organisation, integrations made directly as rows,
and (for the engine's decisions) an in-memory provider per integration."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.common.lines import LineInput
from apps.customers.services import customer_create
from apps.integrations.models import Integration
from apps.invoices.services import invoice_create, invoice_send
from apps.quotes.services import quote_create, quote_send
from tests.factories import OrganisationFactory
from tests.sync.memory import MemoryAdapter


@pytest.fixture
def org(db):
    return OrganisationFactory(name="Harbour Plumbing", country="US", currency="USD")


@pytest.fixture
def connect(org):
    """An integration row, connected now (so records issued before today are history)."""

    def make(provider: str = "quickbooks", organisation=None, **fields) -> Integration:
        organisation = organisation or org
        return Integration.objects.create(
            organisation=organisation,
            provider=provider,
            remote_company_id=f"{provider}-{organisation.pk}",
            remote_company_name=f"{provider.title()} company",
            country=organisation.country,
            currency=organisation.currency,
            connected_at=timezone.now() - timedelta(minutes=1),
            **fields,
        )

    return make


class Remotes:
    """``remotes(integration)``: the in-memory company behind an integration."""

    def __init__(self) -> None:
        self.adapters: dict[int, MemoryAdapter] = {}
        self.refreshed: list[int] = []

    def __call__(self, integration) -> MemoryAdapter:
        return self.adapters.setdefault(integration.pk, MemoryAdapter(integration))

    def token_refresh(self, *, integration, rejected_token=None) -> str:
        self.refreshed.append(integration.pk)
        return "refreshed-token"


@pytest.fixture
def remotes(monkeypatch) -> Remotes:
    remotes = Remotes()
    monkeypatch.setattr("apps.integrations.registry.adapter_for", remotes)
    monkeypatch.setattr("apps.integrations.registry.token_refresh", remotes.token_refresh)
    return remotes


LINE = LineInput(description="Boiler service", quantity=Decimal("1"), unit_price=Decimal("250"))


class Hub:
    """Staff actions through the domain services (which record every change for sync)."""

    def __init__(self, organisation) -> None:
        self.org = organisation

    def customer(self, name="Nick Brown", email="nick@example.com", **extra):
        given, _, family = name.partition(" ")
        return customer_create(
            organisation=self.org, given_name=given, family_name=family, email=email, **extra
        )

    def invoice(self, customer=None, *, send=True, lines=None):
        customer = customer or self.customer()
        invoice = invoice_create(
            organisation=self.org,
            lines=lines or [LINE],
            customer=customer,
            issue_date=timezone.localdate(),
            due_date=timezone.localdate() + timedelta(days=14),
        )
        return invoice_send(invoice=invoice) if send else invoice

    def quote(self, customer=None, *, send=True):
        customer = customer or self.customer()
        quote = quote_create(
            organisation=self.org, lines=[LINE], customer=customer, issue_date=timezone.localdate()
        )
        return quote_send(quote=quote) if send else quote


@pytest.fixture
def hub(org) -> Hub:
    return Hub(org)


@pytest.fixture
def live_hub(live_org) -> Hub:
    return Hub(live_org)


@pytest.fixture
def sandboxes(live_server, settings, monkeypatch):
    """The three providers pointed at the sandboxes the live server serves, over real HTTP."""
    from cryptography.fernet import Fernet

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    base = f"{live_server.url}/sandbox"
    settings.SITE_URL = live_server.url
    # The providers' rate-limit "minute", shortened: a test never waits a real minute.
    settings.SANDBOX_RATE_WINDOW_SECONDS = 2
    # Each test starts its pulls itself, so the sandbox's own webhook notifications (tested with
    # the webhook endpoints) stay off: no pull starts behind a test's back or after it ended.
    monkeypatch.setattr("apps.sandbox.webhooks.notify", lambda *args, **kwargs: None)
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.QBO_DISCOVERY_URL = f"{base}/quickbooks/.well-known/openid_configuration"
    settings.QBO_API_BASE = f"{base}/quickbooks/v3"
    settings.XERO_AUTHORIZE_URL = f"{base}/xero/identity/connect/authorize"
    settings.XERO_TOKEN_URL = f"{base}/xero/identity/connect/token"
    settings.XERO_REVOKE_URL = f"{base}/xero/identity/connect/revocation"
    settings.XERO_CONNECTIONS_URL = f"{base}/xero/connections"
    settings.XERO_API_BASE = f"{base}/xero/api.xro/2.0"
    settings.MYOB_AUTHORIZE_URL = f"{base}/myob/oauth2/account/authorize"
    settings.MYOB_TOKEN_URL = f"{base}/myob/oauth2/v1/authorize"
    settings.MYOB_API_BASE = f"{base}/myob/accountright"
    return live_server


@pytest.fixture
def live_org(transactional_db):
    return OrganisationFactory(name="Harbour Plumbing", country="US", currency="USD")


@pytest.fixture
def both(sandboxes, live_org):
    """QuickBooks Online and Xero, each a fresh sandbox company, connected at once."""
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    return tuple(
        sandbox_integration_connect(organisation=live_org, provider=provider, nightly=False)
        for provider in ("quickbooks", "xero")
    )


@pytest.fixture
def three(sandboxes):
    """An Australian organisation with QuickBooks Online, Xero and MYOB, each a fresh sandbox
    company, connected at once (MYOB company files are Australian or New Zealand)."""
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    org = OrganisationFactory(name="Coastline Trades", country="AU", currency="AUD")
    return org, tuple(
        sandbox_integration_connect(organisation=org, provider=provider, nightly=False)
        for provider in ("quickbooks", "xero", "myob")
    )


@pytest.fixture
def shared_cache(settings):
    """Redis is configured: the queued marks are shared (the test cache stands in for it)."""
    from django.core.cache import cache

    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.SYNC_DRAIN_GATHER_SECONDS = 0.5
    settings.SYNC_WEBHOOK_PULL_GATHER_SECONDS = 1.0
    cache.clear()
    yield
    cache.clear()
