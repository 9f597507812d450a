"""Xero's connections (one token, several tenants; a deleted connection answers 403), refresh
token reuse within its grace period, and rate limits counted per app and tenant over rolling
windows, with Xero's headers (docs/sandbox-xero.md)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone
from requests_oauthlib import OAuth2Session

from apps.sandbox import control, limits, oauth
from apps.sandbox.companies import company_create
from apps.sandbox.models import Provider, SandboxApp, SandboxToken
from apps.sandbox.webhooks import connected_apps

pytestmark = pytest.mark.django_db(transaction=True)
CALLBACK = "http://localhost:9/callback/"


@pytest.fixture(autouse=True)
def _real_limits(settings, xero_app):
    # The package's conftest lifts the limits for the other tests; these test them, each from
    # zero (the app's own count outlives a test database).
    settings.SANDBOX_LIMITS = {}
    limits.app_minute_forget(xero_app)


@pytest.fixture
def second_tenant(db):
    return company_create(provider=Provider.XERO, name="Ridge Electrical", country="NZ")


@pytest.fixture
def other_app(db):
    app = SandboxApp.objects.create(
        provider=Provider.XERO, name="Another app", client_id="another-app", client_secret="s3"
    )
    limits.app_minute_forget(app)
    return app


def _organisation(live_server, token, tenant_id):
    return requests.get(
        f"{live_server.url}/sandbox/xero/api.xro/2.0/Organisation",
        headers={"Authorization": f"Bearer {token.access_token}", "xero-tenant-id": tenant_id},
        timeout=10,
    )


def _connections(live_server, access_token):
    headers = {"Authorization": f"Bearer {access_token}"}
    return requests.get(f"{live_server.url}/sandbox/xero/Connections", headers=headers, timeout=10)


def _consent_for(live_server, app, *tenants) -> dict:
    """The consent page with several organisations ticked, then the code exchanged."""
    session = OAuth2Session(app.client_id, redirect_uri=CALLBACK, scope=["offline_access"])
    url, _ = session.authorization_url(f"{live_server.url}/sandbox/xero/identity/connect/authorize")
    answer = requests.post(
        url,
        data={"action": "approve", "company": [t.external_id for t in tenants]},
        allow_redirects=False,
        timeout=10,
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    tokens = requests.post(
        f"{live_server.url}/sandbox/xero/identity/connect/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(app.client_id, app.client_secret),
        timeout=10,
    )
    assert tokens.status_code == 200, tokens.text
    return tokens.json()


def test_connections_lists_every_tenant_the_token_was_granted(
    live_server, xero_app, xero_company, second_tenant
):
    tokens = _consent_for(live_server, xero_app, xero_company, second_tenant)
    listed = _connections(live_server, tokens["access_token"]).json()
    assert [c["tenantId"] for c in listed] == [xero_company.external_id, second_tenant.external_id]
    assert {c["tenantName"] for c in listed} == {"Harbour Plumbing", "Ridge Electrical"}
    assert len({c["id"] for c in listed}) == 2


def test_a_token_granted_two_tenants_calls_both(live_server, xero_app, xero_company, second_tenant):
    tokens = _consent_for(live_server, xero_app, xero_company, second_tenant)
    token = SandboxToken.objects.get(access_token=tokens["access_token"])
    for tenant in (xero_company, second_tenant):
        assert _organisation(live_server, token, tenant.external_id).status_code == 200


def test_deleted_connection_answers_403_and_the_other_tenant_still_works(
    live_server, xero_app, xero_company, second_tenant
):
    tokens = _consent_for(live_server, xero_app, xero_company, second_tenant)
    token = SandboxToken.objects.get(access_token=tokens["access_token"])
    first = _connections(live_server, token.access_token).json()[0]
    deleted = requests.delete(
        f"{live_server.url}/sandbox/xero/Connections/{first['id']}",
        headers={"Authorization": f"Bearer {token.access_token}"},
        timeout=10,
    )
    assert deleted.status_code == 204
    refused = _organisation(live_server, token, xero_company.external_id)
    assert refused.status_code == 403 and refused.json()["Title"] == "Forbidden"
    assert _organisation(live_server, token, second_tenant.external_id).status_code == 200
    left = _connections(live_server, token.access_token).json()
    assert [c["tenantId"] for c in left] == [second_tenant.external_id]


def test_a_refreshed_token_keeps_only_the_connections_left(
    live_server, xero_app, xero_company, second_tenant
):
    tokens = _consent_for(live_server, xero_app, xero_company, second_tenant)
    first = _connections(live_server, tokens["access_token"]).json()[0]
    requests.delete(
        f"{live_server.url}/sandbox/xero/connections/{first['id']}",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    fresh = _refresh(live_server, xero_app, tokens["refresh_token"]).json()
    left = _connections(live_server, fresh["access_token"]).json()
    assert [c["tenantId"] for c in left] == [second_tenant.external_id]


def test_one_apps_deleted_connection_or_revoked_token_leaves_another_apps_working(
    live_server, xero_app, other_app, xero_token, xero_company
):
    other = oauth.token_issue(app=other_app, company=xero_company)
    connection = _connections(live_server, xero_token.access_token).json()[0]
    requests.delete(
        f"{live_server.url}/sandbox/xero/connections/{connection['id']}",
        headers={"Authorization": f"Bearer {xero_token.access_token}"},
        timeout=10,
    )
    assert _organisation(live_server, xero_token, xero_company.external_id).status_code == 403
    assert _organisation(live_server, other, xero_company.external_id).status_code == 200
    revoked = requests.post(
        f"{live_server.url}/sandbox/xero/identity/connect/revocation",
        data={"token": xero_token.refresh_token},
        auth=(xero_app.client_id, xero_app.client_secret),
        timeout=10,
    )
    assert revoked.status_code == 200
    assert _organisation(live_server, xero_token, xero_company.external_id).status_code == 401
    assert _organisation(live_server, other, xero_company.external_id).status_code == 200


def _refresh(live_server, app, refresh_token):
    return requests.post(
        f"{live_server.url}/sandbox/xero/identity/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(app.client_id, app.client_secret),
        timeout=10,
    )


def test_two_refreshes_racing_with_one_refresh_token_both_succeed_within_the_grace_period(
    live_server, xero_app, xero_token, xero_company
):
    start = threading.Barrier(2)

    def refresh(_):
        start.wait(timeout=10)
        return _refresh(live_server, xero_app, xero_token.refresh_token)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(refresh, range(2)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    pairs = {a.json()["access_token"] for a in answers}
    assert len(pairs) == 2
    for access in pairs:
        token = SandboxToken.objects.get(access_token=access)
        assert _organisation(live_server, token, xero_company.external_id).status_code == 200


def test_the_second_refresh_with_a_used_refresh_token_after_the_grace_period_is_invalid_grant(
    live_server, xero_app, xero_token
):
    assert _refresh(live_server, xero_app, xero_token.refresh_token).status_code == 200
    SandboxToken.objects.filter(pk=xero_token.pk).update(
        superseded_at=timezone.now() - timedelta(minutes=30, seconds=1)
    )
    late = _refresh(live_server, xero_app, xero_token.refresh_token)
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"


def test_every_answer_carries_the_three_remaining_counts(live_server, xero_token, xero_company):
    first = _organisation(live_server, xero_token, xero_company.external_id)
    second = _organisation(live_server, xero_token, xero_company.external_id)
    assert (first.headers["X-MinLimit-Remaining"], second.headers["X-MinLimit-Remaining"]) == (
        "59",
        "58",
    )
    assert second.headers["X-DayLimit-Remaining"] == "4998"
    assert second.headers["X-AppMinLimit-Remaining"] == "9998"


def test_minute_limit_is_per_app_and_tenant(
    settings, live_server, xero_app, other_app, xero_token, xero_company
):
    settings.SANDBOX_LIMITS = {"xero": {"minute": 2}}
    other = oauth.token_issue(app=other_app, company=xero_company)
    answers = [_organisation(live_server, xero_token, xero_company.external_id) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["X-Rate-Limit-Problem"] == "minute"
    assert _organisation(live_server, other, xero_company.external_id).status_code == 200


def test_minute_limit_counts_a_rolling_minute_not_the_clock_minute(
    settings, live_server, xero_token, xero_company
):
    window = 3.0
    settings.SANDBOX_RATE_WINDOW_SECONDS = window
    settings.SANDBOX_LIMITS = {"xero": {"minute": 2}}
    # Two calls just before a clock-aligned window ends: a fixed window would forget them.
    time.sleep(window - (time.time() % window) + window * 0.6)
    for _ in range(2):
        assert _organisation(live_server, xero_token, xero_company.external_id).status_code == 200
    time.sleep(window - (time.time() % window) + window * 0.1)
    refused = _organisation(live_server, xero_token, xero_company.external_id)
    assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "minute"
    time.sleep(int(refused.headers["Retry-After"]))
    assert _organisation(live_server, xero_token, xero_company.external_id).status_code == 200


def test_refused_calls_are_not_counted(settings, live_server, xero_token, xero_company):
    settings.SANDBOX_LIMITS = {"xero": {"minute": 1}}
    _organisation(live_server, xero_token, xero_company.external_id)
    for _ in range(3):
        refused = _organisation(live_server, xero_token, xero_company.external_id)
        assert refused.status_code == 429
    assert refused.headers["X-MinLimit-Remaining"] == "0"
    assert refused.headers["X-DayLimit-Remaining"] == "4999"


def test_app_minute_limit_counts_every_tenant_of_the_app(
    settings, live_server, other_app, xero_token, xero_company, second_tenant
):
    settings.SANDBOX_LIMITS = {"xero": {"appminute": 3}}
    second = oauth.token_issue(app=xero_token.app, company=second_tenant)
    answers = [
        _organisation(live_server, xero_token, xero_company.external_id),
        _organisation(live_server, second, second_tenant.external_id),
        _organisation(live_server, xero_token, xero_company.external_id),
        _organisation(live_server, second, second_tenant.external_id),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].headers["X-Rate-Limit-Problem"] == "appminute"
    assert answers[2].headers["X-AppMinLimit-Remaining"] == "0"
    other = oauth.token_issue(app=other_app, company=second_tenant)
    assert _organisation(live_server, other, second_tenant.external_id).status_code == 200


def test_concurrent_limit_is_per_app_and_tenant(
    settings, live_server, other_app, xero_token, xero_company
):
    settings.SANDBOX_LIMITS = {"xero": {"concurrent": 1}}
    settings.SANDBOX_FAULT_TIMEOUT_SECONDS = 1.5
    control.fault_inject(company=xero_company, kind="timeout")
    other = oauth.token_issue(app=other_app, company=xero_company)
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(_organisation, live_server, xero_token, xero_company.external_id)
        time.sleep(0.5)
        second = _organisation(live_server, xero_token, xero_company.external_id)
        others = _organisation(live_server, other, xero_company.external_id)
        assert slow.result().status_code == 504
    assert second.status_code == 429 and second.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert others.status_code == 200


def test_webhooks_follow_the_connections_the_token_still_has(
    live_server, xero_app, xero_company, second_tenant
):
    xero_app.webhook_url = "http://localhost:9/webhooks/xero/"
    xero_app.save(update_fields=["webhook_url"])
    tokens = _consent_for(live_server, xero_app, xero_company, second_tenant)
    assert connected_apps(second_tenant) == [xero_app]
    second = _connections(live_server, tokens["access_token"]).json()[1]
    requests.delete(
        f"{live_server.url}/sandbox/xero/connections/{second['id']}",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert connected_apps(second_tenant) == []
    assert connected_apps(xero_company) == [xero_app]
