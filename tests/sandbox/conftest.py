from __future__ import annotations

import pytest
from intuitlib.client import AuthClient
from quickbooks import QuickBooks

from apps.sandbox import oauth
from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.companies import company_create
from apps.sandbox.models import Provider


@pytest.fixture(autouse=True)
def _sandbox_settings(settings, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    settings.SANDBOX_WEBHOOKS_INLINE = True
    settings.SANDBOX_RATE_WINDOW_SECONDS = 60.0
    # MYOB counts 8 calls a second per key across every test of the run: only the tests about
    # that limit set it (one test's calls must not throttle the next one's).
    settings.SANDBOX_LIMITS = {"myob": {"second": 10_000}}


def default_app(provider: str):
    """The provider's default sandbox app, with no webhook URL: no receiver runs on SITE_URL in
    tests, and webhook tests point it at their own."""
    app = next(app for app in ensure_default_apps() if app.provider == provider)
    app.webhook_url = ""
    app.save()
    return app


@pytest.fixture
def qbo_app(db):
    return default_app(Provider.QUICKBOOKS)


@pytest.fixture
def qbo_company(db):
    return company_create(provider=Provider.QUICKBOOKS, name="Sandbox Co US", country="US")


@pytest.fixture
def qbo_token(qbo_app, qbo_company):
    return oauth.token_issue(
        app=qbo_app, company=qbo_company, scope="com.intuit.quickbooks.accounting"
    )


@pytest.fixture
def discovery_url(live_server):
    return f"{live_server.url}/sandbox/quickbooks/.well-known/openid_configuration"


@pytest.fixture
def api_base(live_server):
    return f"{live_server.url}/sandbox/quickbooks/v3"


def make_client(qbo_app, token, discovery_url, api_base) -> QuickBooks:
    auth_client = AuthClient(
        client_id=qbo_app.client_id,
        client_secret=qbo_app.client_secret,
        redirect_uri="http://127.0.0.1/callback/",
        environment=discovery_url,
        access_token=token.access_token,
        refresh_token=token.refresh_token,
        realm_id=token.company.external_id,
    )
    client = QuickBooks(
        auth_client=auth_client,
        refresh_token=token.refresh_token,
        company_id=token.company.external_id,
        minorversion=75,
    )
    # python-quickbooks has the two Intuit hosts built in; the sandbox replaces the host only.
    client.api_url_v3 = api_base
    return client


@pytest.fixture
def qb(qbo_app, qbo_token, discovery_url, api_base):
    client = make_client(qbo_app, qbo_token, discovery_url, api_base)
    yield client
    # Close keep-alive connections so the live server's threads let go of the database.
    client.session.close()
    client.auth_client.close()


class RawQbo:
    """Plain HTTP to the sandbox's QBO API, for what python-quickbooks cannot send."""

    def __init__(self, api_base: str, token):
        import requests

        self.base = f"{api_base}/company/{token.company.external_id}"
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {token.access_token}", "Accept": "application/json"}
        )

    def post(self, path: str, body=None, *, data=None, params=None, content_type=None):
        import json as _json

        payload = data if data is not None else _json.dumps(body)
        headers = {"Content-Type": content_type or "application/json"}
        return self.session.post(
            f"{self.base}/{path}", data=payload, params=params, headers=headers, timeout=10
        )

    def get(self, path: str, params=None, **kwargs):
        return self.session.get(f"{self.base}/{path}", params=params, timeout=10, **kwargs)


@pytest.fixture
def raw(api_base, qbo_token):
    client = RawQbo(api_base, qbo_token)
    yield client
    client.session.close()
