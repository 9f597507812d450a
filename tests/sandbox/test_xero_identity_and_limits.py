"""Xero's identity endpoints and the gateway's Xero side (limits, 401/403 shapes)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone
from requests_oauthlib import OAuth2Session

from apps.sandbox import control, oauth
from apps.sandbox.companies import company_create
from apps.sandbox.models import Provider, SandboxToken
from tests.sandbox.conftest import default_app

pytestmark = pytest.mark.django_db(transaction=True)
CALLBACK = "http://localhost:9/settings/integrations/xero/callback/"


@pytest.fixture
def xero_app(db):
    return default_app(Provider.XERO)


@pytest.fixture
def tenant(db):
    return company_create(provider=Provider.XERO, name="Harbour Plumbing", country="NZ")


@pytest.fixture
def xero_token(xero_app, tenant):
    return oauth.token_issue(app=xero_app, company=tenant, scope="offline_access")


def _token_url(live_server) -> str:
    return f"{live_server.url}/sandbox/xero/identity/connect/token"


def _refresh(live_server, app, refresh_token):
    return requests.post(
        _token_url(live_server),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(app.client_id, app.client_secret),
        timeout=10,
    )


def test_pkce_code_needs_the_right_verifier(live_server, xero_app, tenant):
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    session = OAuth2Session(xero_app.client_id, redirect_uri=CALLBACK, scope=["offline_access"])
    url, state = session.authorization_url(
        f"{live_server.url}/sandbox/xero/identity/connect/authorize",
        code_challenge=challenge.decode(),
        code_challenge_method="S256",
    )
    answer = requests.post(
        url,
        data={"action": "approve", "company": tenant.external_id},
        allow_redirects=False,
        timeout=10,
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    wrong = requests.post(
        _token_url(live_server),
        data={**form, "code_verifier": "w" * 64, "client_id": xero_app.client_id},
        timeout=10,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    fresh_code = _approve_again(live_server, url, tenant)
    right = requests.post(
        _token_url(live_server),
        data={
            **form,
            "code": fresh_code,
            "code_verifier": verifier,
            "client_id": xero_app.client_id,
        },
        timeout=10,
    )
    assert right.status_code == 200
    assert right.json()["expires_in"] == 1800


def _approve_again(live_server, url, tenant) -> str:
    answer = requests.post(
        url,
        data={"action": "approve", "company": tenant.external_id},
        allow_redirects=False,
        timeout=10,
    )
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]


def test_refresh_token_rotates_with_a_30_minute_grace(live_server, xero_app, xero_token):
    first = _refresh(live_server, xero_app, xero_token.refresh_token)
    assert first.status_code == 200
    assert first.json()["refresh_token"] != xero_token.refresh_token
    assert _refresh(live_server, xero_app, xero_token.refresh_token).status_code == 200
    SandboxToken.objects.filter(pk=xero_token.pk).update(
        superseded_at=timezone.now() - timedelta(minutes=31)
    )
    late = _refresh(live_server, xero_app, xero_token.refresh_token)
    assert late.status_code == 400 and late.json() == {"error": "invalid_grant"}


def test_connections_list_and_delete(live_server, xero_token, tenant):
    headers = {"Authorization": f"Bearer {xero_token.access_token}"}
    listed = requests.get(
        f"{live_server.url}/sandbox/xero/connections", headers=headers, timeout=10
    )
    (connection,) = listed.json()
    assert connection["tenantId"] == tenant.external_id
    assert connection["tenantType"] == "ORGANISATION" and connection["tenantName"] == tenant.name
    assert connection["authEventId"] and connection["createdDateUtc"]
    deleted = requests.delete(
        f"{live_server.url}/sandbox/xero/connections/{connection['id']}",
        headers=headers,
        timeout=10,
    )
    assert deleted.status_code == 204
    again = requests.get(f"{live_server.url}/sandbox/xero/connections", headers=headers, timeout=10)
    assert again.status_code == 200 and again.json() == []


def _organisation(live_server, token, tenant_id):
    return requests.get(
        f"{live_server.url}/sandbox/xero/api.xro/2.0/Organisation",
        headers={"Authorization": f"Bearer {token.access_token}", "xero-tenant-id": tenant_id},
        timeout=10,
    )


def test_xero_minute_limit_answers_429_with_retry_after_and_problem(
    settings, live_server, xero_token, tenant
):
    settings.SANDBOX_RATE_WINDOW_SECONDS = 5.0
    settings.SANDBOX_LIMITS = {"xero": {"minute": 2}}
    answers = [_organisation(live_server, xero_token, tenant.external_id) for _ in range(5)]
    assert answers[0].headers["X-MinLimit-Remaining"] in ("0", "1")
    assert "X-DayLimit-Remaining" in answers[0].headers
    throttled = next(a for a in answers if a.status_code == 429)
    assert throttled.headers["X-Rate-Limit-Problem"] == "minute"
    assert int(throttled.headers["Retry-After"]) >= 1


def test_xero_day_limit_is_reported_as_day(settings, live_server, xero_token, tenant):
    settings.SANDBOX_LIMITS = {"xero": {"day": 1}}
    _organisation(live_server, xero_token, tenant.external_id)
    throttled = _organisation(live_server, xero_token, tenant.external_id)
    assert throttled.status_code == 429
    assert throttled.headers["X-Rate-Limit-Problem"] == "day"


def test_xero_expired_token_and_foreign_tenant(live_server, xero_app, xero_token, tenant):
    other = company_create(provider=Provider.XERO, name="Other Org", seed=False)
    assert _organisation(live_server, xero_token, other.external_id).status_code == 403
    control.token_expire(company=tenant)
    expired = _organisation(live_server, xero_token, tenant.external_id)
    assert expired.status_code == 401
    assert expired.json()["Title"] == "Unauthorized"
    assert "invalid_token" in expired.headers["WWW-Authenticate"]


def test_sandbox_credentials_prints_what_a_client_needs(capsys, db):
    call_command("sandbox_credentials", provider="quickbooks", json=True)
    qbo = json.loads(capsys.readouterr().out)
    assert qbo["realm_id"] and qbo["refresh_token"] and qbo["client_secret"]
    assert qbo["discovery_url"].endswith("/sandbox/quickbooks/.well-known/openid_configuration")
    assert qbo["api_base"].endswith("/sandbox/quickbooks/v3")
    assert SandboxToken.objects.filter(refresh_token=qbo["refresh_token"]).exists()
    call_command("sandbox_credentials", provider="xero", json=True)
    xero = json.loads(capsys.readouterr().out)
    assert xero["tenant_id"] and xero["token_url"].endswith("/identity/connect/token")
    call_command("sandbox_credentials", provider="xero")
    assert xero["tenant_id"] in capsys.readouterr().out  # the same organisation is reused
