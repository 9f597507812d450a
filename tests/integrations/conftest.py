from __future__ import annotations

import pytest

from apps.integrations.models import Integration, Provider
from tests.factories import OrganisationFactory, UserFactory
from tests.integrations.flow import Staff


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Acme Plumbing", country="US", currency="USD")


@pytest.fixture
def owner(organisation):
    return UserFactory(username="alice", organisation=organisation)


@pytest.fixture
def colleague(organisation):
    return UserFactory(username="bob", organisation=organisation)


@pytest.fixture
def outsider(db):
    return UserFactory(username="charlie", organisation=OrganisationFactory(name="Other Co"))


@pytest.fixture
def sandbox(settings, live_server):
    """Point both providers at the sandboxes served by the live server."""
    base = live_server.url
    settings.SITE_URL = base
    settings.QBO_DISCOVERY_URL = f"{base}/sandbox/quickbooks/.well-known/openid_configuration"
    settings.QBO_API_BASE = f"{base}/sandbox/quickbooks/v3"
    for name, path in {
        "XERO_AUTHORIZE_URL": "identity/connect/authorize",
        "XERO_TOKEN_URL": "identity/connect/token",
        "XERO_REVOKE_URL": "identity/connect/revocation",
        "XERO_CONNECTIONS_URL": "connections",
        "XERO_API_BASE": "api.xro/2.0",
    }.items():
        setattr(settings, name, f"{base}/sandbox/xero/{path}")
    settings.SANDBOX_WEBHOOKS_INLINE = True
    return base


@pytest.fixture
def alice(sandbox, owner) -> Staff:
    return Staff(sandbox, owner.username)


@pytest.fixture
def make_integration(organisation):
    """An integration row made directly (pages that need no provider)."""

    def make(provider: str = Provider.QUICKBOOKS, org=None, **fields) -> Integration:
        org = org or organisation
        values = {
            "remote_company_id": f"{provider}-{org.pk}",
            "remote_company_name": f"{org.name} books",
            "country": org.country,
            "currency": org.currency,
            "connected_at": None,
        }
        values.update(fields)
        return Integration.objects.create(organisation=org, provider=provider, **values)

    return make


@pytest.fixture
def make_link():
    from apps.sync.models import Link

    def make(integration: Integration, object_id: int = 1):
        return Link.objects.create(
            integration=integration,
            kind="customer",
            object_id=object_id,
            remote_id=f"R{object_id}",
            created_by="hub",
        )

    return make


@pytest.fixture
def connected(alice, organisation):
    """Connect ``provider`` through the real flow; returns the Integration."""

    def connect(provider: str, name: str = "", **company) -> Integration:
        response = alice.connect(provider, name=name or f"{provider.title()} Books", **company)
        assert response.status_code == 200, response.text[:500]
        return Integration.objects.get(organisation=organisation, provider=provider)

    return connect
