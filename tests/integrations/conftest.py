from __future__ import annotations

import pytest

from apps.integrations.models import Integration, Provider
from tests.integrations.flow import Staff
from tests.staff import *  # noqa: F403 (the alice / bob / charlie fixtures)


@pytest.fixture
def organisation(org):
    """alice's and bob's organisation (charlie works elsewhere), in the US, paying in USD."""
    assert (org.country, org.currency) == ("US", "USD")
    return org


@pytest.fixture
def sandbox(settings, live_server):
    """Point every provider at the sandboxes served by the live server."""
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
    for name, path in {
        "MYOB_AUTHORIZE_URL": "oauth2/account/authorize",
        "MYOB_TOKEN_URL": "oauth2/v1/authorize",
        "MYOB_API_BASE": "accountright",
    }.items():
        setattr(settings, name, f"{base}/sandbox/myob/{path}")
    settings.SANDBOX_WEBHOOKS_INLINE = True
    return base


@pytest.fixture
def staff(sandbox, alice):
    """alice's browser session on the live server, logged in through the login page."""
    session = Staff(sandbox, alice.username)
    yield session
    # Close keep-alive connections while the live server still serves this test.
    session.http.close()


@pytest.fixture
def make_integration(organisation):
    """An integration row made directly (pages that need no provider)."""

    def make(provider: str = Provider.QUICKBOOKS, of=None, **fields) -> Integration:
        owner = of or organisation
        values = {
            "remote_company_id": f"{provider}-{owner.pk}",
            "remote_company_name": f"{owner.name} books",
            "country": owner.country,
            "currency": owner.currency,
            "connected_at": None,
        }
        values.update(fields)
        return Integration.objects.create(organisation=owner, provider=provider, **values)

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
def connected(staff, organisation):
    """Connect ``provider`` through the real flow; returns the Integration."""

    def connect(provider: str, name: str = "", **company) -> Integration:
        response = staff.connect(provider, name=name or f"{provider.title()} Books", **company)
        assert response.status_code == 200, response.text[:500]
        return Integration.objects.get(organisation=organisation, provider=provider)

    return connect
