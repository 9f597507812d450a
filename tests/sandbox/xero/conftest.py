from __future__ import annotations

import pytest
import requests
from requests_oauthlib import OAuth2Session

from apps.sandbox import oauth
from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.companies import company_create
from apps.sandbox.models import Provider

from .openapi import check_response

XERO_SCOPE = "openid offline_access accounting.transactions accounting.contacts accounting.settings"


@pytest.fixture(autouse=True)
def _xero_limits(settings):
    # These tests make more calls per tenant than Xero's minute allows; the limits have tests of
    # their own.
    settings.SANDBOX_LIMITS = {
        "xero": {"minute": 100_000, "day": 1_000_000, "appminute": 1_000_000, "concurrent": 50}
    }


class XeroApi:
    """requests-oauthlib against the sandbox; every answer is checked against Xero's spec."""

    def __init__(self, session: OAuth2Session, base: str, tenant_id: str) -> None:
        self.session, self.base = session, base
        self.session.headers.update({"xero-tenant-id": tenant_id, "Accept": "application/json"})

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.session.request(method, f"{self.base}{path}", timeout=60, **kwargs)
        assert response.status_code != 500, response.text
        check_response(response)
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def put(self, path: str, json=None, **kwargs) -> requests.Response:
        return self.call("PUT", path, json=json, **kwargs)

    def post(self, path: str, json=None, **kwargs) -> requests.Response:
        return self.call("POST", path, json=json, **kwargs)


@pytest.fixture
def xero_app(db):
    app = next(app for app in ensure_default_apps() if app.provider == Provider.XERO)
    # No receiver runs on SITE_URL during tests; webhook tests point it at the live server.
    app.webhook_url = ""
    app.save(update_fields=["webhook_url"])
    return app


@pytest.fixture
def xero_company(db):
    return company_create(provider=Provider.XERO, name="Harbour Plumbing", country="NZ")


@pytest.fixture
def xero_token(xero_app, xero_company):
    return oauth.token_issue(app=xero_app, company=xero_company, scope=XERO_SCOPE)


@pytest.fixture
def xero_base(live_server) -> str:
    return f"{live_server.url}/sandbox/xero/api.xro/2.0"


@pytest.fixture
def xero(xero_app, xero_token, xero_company, xero_base) -> XeroApi:
    token = {
        "access_token": xero_token.access_token,
        "refresh_token": xero_token.refresh_token,
        "token_type": "Bearer",
        "expires_in": 1800,
    }
    session = OAuth2Session(client_id=xero_app.client_id, token=token)
    return XeroApi(session, xero_base, xero_company.external_id)
