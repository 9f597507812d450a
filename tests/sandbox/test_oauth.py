from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from apps.sandbox.models import SandboxCompany, SandboxToken

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "http://127.0.0.1:9/callback/"


def _auth_client(qbo_app, discovery_url, **kwargs) -> AuthClient:
    return AuthClient(
        client_id=qbo_app.client_id,
        client_secret=qbo_app.client_secret,
        redirect_uri=CALLBACK,
        environment=discovery_url,
        **kwargs,
    )


def _approve(url: str, **form) -> dict[str, list[str]]:
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    answer = requests.post(
        url, data={"action": "approve", **form}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(CALLBACK)
    return parse_qs(urlsplit(location).query)


def test_discovery_document_names_the_sandbox_endpoints(live_server, discovery_url):
    doc = requests.get(discovery_url, timeout=10).json()
    base = f"{live_server.url}/sandbox/quickbooks"
    assert doc["authorization_endpoint"] == f"{base}/oauth2/authorize"
    assert doc["token_endpoint"] == f"{base}/oauth2/tokens/bearer"
    assert doc["revocation_endpoint"] == f"{base}/oauth2/revoke"
    assert doc["userinfo_endpoint"].startswith(base)
    assert doc["jwks_uri"].startswith(base)
    assert doc["issuer"]


def test_intuit_client_connects_a_new_company_and_gets_tokens(qbo_app, discovery_url):
    client = _auth_client(qbo_app, discovery_url)
    url = client.get_authorization_url([Scopes.ACCOUNTING], state_token="s-123")
    query = _approve(url, new_company_name="Fresh Landscaping", country="CA", currency="CAD")
    assert query["state"] == ["s-123"]
    client.get_bearer_token(query["code"][0], realm_id=query["realmId"][0])
    assert client.access_token and client.refresh_token
    assert client.expires_in == 3600
    assert client.x_refresh_token_expires_in > 0
    token = SandboxToken.objects.get(access_token=client.access_token)
    assert token.company.external_id == query["realmId"][0]
    assert token.company.country == "CA" and token.company.currency == "CAD"


def test_deny_redirects_with_access_denied(qbo_app, discovery_url, qbo_company):
    url = _auth_client(qbo_app, discovery_url).get_authorization_url([Scopes.ACCOUNTING], "st")
    answer = requests.post(url, data={"action": "deny"}, allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query == {"error": ["access_denied"], "state": ["st"]}


def test_authorization_code_works_only_once(qbo_app, discovery_url, qbo_company):
    client = _auth_client(qbo_app, discovery_url)
    query = _approve(
        client.get_authorization_url([Scopes.ACCOUNTING], "s"), company=qbo_company.external_id
    )
    client.get_bearer_token(query["code"][0])
    with pytest.raises(AuthClientError) as raised:
        client.get_bearer_token(query["code"][0])
    assert raised.value.status_code == 400
    assert b"invalid_grant" in raised.value.content


def test_refresh_rotates_and_old_token_works_only_within_grace(qbo_app, qbo_token, discovery_url):
    client = _auth_client(qbo_app, discovery_url)
    client.refresh(refresh_token=qbo_token.refresh_token)
    first_rotation = client.refresh_token
    assert first_rotation != qbo_token.refresh_token
    # Within the 24 h grace the previous refresh token still works.
    client.refresh(refresh_token=qbo_token.refresh_token)
    SandboxToken.objects.filter(pk=qbo_token.pk).update(
        superseded_at=qbo_token.created_at - timedelta(hours=25)
    )
    with pytest.raises(AuthClientError) as raised:
        client.refresh(refresh_token=qbo_token.refresh_token)
    assert raised.value.status_code == 400
    assert b"invalid_grant" in raised.value.content
    client.refresh(refresh_token=first_rotation)
    assert client.access_token


def test_unknown_refresh_token_is_invalid_grant(qbo_app, discovery_url):
    client = _auth_client(qbo_app, discovery_url)
    with pytest.raises(AuthClientError) as raised:
        client.refresh(refresh_token="not-a-token")
    assert raised.value.status_code == 400
    assert b'"invalid_grant"' in raised.value.content


def test_wrong_client_secret_is_invalid_client(qbo_app, qbo_token, live_server):
    answer = requests.post(
        f"{live_server.url}/sandbox/quickbooks/oauth2/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": qbo_token.refresh_token},
        auth=(qbo_app.client_id, "wrong"),
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json() == {"error": "invalid_client"}


def test_revoked_refresh_token_is_refused(qbo_app, qbo_token, discovery_url):
    client = _auth_client(qbo_app, discovery_url)
    assert client.revoke(token=qbo_token.refresh_token)
    with pytest.raises(AuthClientError):
        client.refresh(refresh_token=qbo_token.refresh_token)


def test_unregistered_redirect_uri_is_refused(qbo_app, live_server):
    answer = requests.get(
        f"{live_server.url}/sandbox/quickbooks/oauth2/authorize",
        params={
            "client_id": qbo_app.client_id,
            "redirect_uri": "https://evil.example/cb",
            "response_type": "code",
        },
        timeout=10,
    )
    assert answer.status_code == 400


def test_approving_without_a_company_shows_the_page_again(qbo_app, discovery_url):
    url = _auth_client(qbo_app, discovery_url).get_authorization_url([Scopes.ACCOUNTING], "s")
    answer = requests.post(url, data={"action": "approve"}, allow_redirects=False, timeout=10)
    assert answer.status_code == 400
    assert "Pick a company" in answer.text


def test_new_company_with_the_payroll_box_left_unticked_has_no_payroll(qbo_app, discovery_url):
    # A browser sends nothing for an unticked checkbox.
    url = _auth_client(qbo_app, discovery_url).get_authorization_url([Scopes.ACCOUNTING], "s")
    query = _approve(url, new_company_name="Unticked Ltd", country="US")
    company = SandboxCompany.objects.get(external_id=query["realmId"][0])
    assert company.payroll_enabled is False


def test_new_company_with_the_payroll_box_ticked_has_payroll(qbo_app, discovery_url):
    url = _auth_client(qbo_app, discovery_url).get_authorization_url([Scopes.ACCOUNTING], "s")
    query = _approve(url, new_company_name="Ticked Ltd", country="US", payroll="on")
    company = SandboxCompany.objects.get(external_id=query["realmId"][0])
    assert company.payroll_enabled is True


def test_new_company_without_payroll(qbo_app, discovery_url):
    url = _auth_client(qbo_app, discovery_url).get_authorization_url([Scopes.ACCOUNTING], "s")
    query = _approve(url, new_company_name="No Payroll Ltd", country="US", payroll="off")
    token_company = SandboxCompany.objects.get(external_id=query["realmId"][0])
    assert token_company.payroll_enabled is False and token_company.name == "No Payroll Ltd"
