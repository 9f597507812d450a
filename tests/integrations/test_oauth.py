"""The OAuth pieces that the connect flow tests cannot reach on their own."""

from __future__ import annotations

import base64
import hashlib
import os
from urllib.parse import parse_qs, urlsplit

import pytest

from apps.integrations import oauth, registry


def test_xero_authorization_uses_pkce_s256_and_a_fresh_state(settings):
    settings.XERO_AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
    xero = registry.provider("xero").oauth

    first = oauth.authorization_start(xero, redirect_uri="https://app.test/cb/")
    second = oauth.authorization_start(xero, redirect_uri="https://app.test/cb/")

    query = {k: v[0] for k, v in parse_qs(urlsplit(first.url).query).items()}
    expected = base64.urlsafe_b64encode(hashlib.sha256(first.code_verifier.encode()).digest())
    assert query["code_challenge"] == expected.decode().rstrip("=")
    assert query["code_challenge_method"] == "S256"
    assert query["state"] == first.state != second.state
    assert query["client_id"] == settings.XERO_CLIENT_ID
    assert "offline_access" in query["scope"].split()
    assert first.url.startswith(settings.XERO_AUTHORIZE_URL)


@pytest.mark.parametrize(
    "url,allowed",
    [
        ("http://127.0.0.1:8000/sandbox/xero/identity/connect/token", True),
        ("http://localhost:51234/sandbox/quickbooks/oauth2/tokens/bearer", True),
        ("http://accounts.example.com/token", False),
        ("https://identity.xero.com/connect/token", False),
    ],
)
def test_plain_http_is_allowed_only_for_this_machine(monkeypatch, url, allowed):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)

    oauth.allow_plain_http_for(url)

    assert (os.environ.get("OAUTHLIB_INSECURE_TRANSPORT") == "1") is allowed


def test_tokens_granted_with_other_scopes_are_still_taken():
    config = oauth.Endpoints("id", "secret", "https://a.test/", "https://t.test/", "", False)

    def token_endpoint(url, **kwargs):
        changed = Warning('Scope has changed from "a b" to "a".')
        changed.token = {"access_token": "at", "refresh_token": "rt", "expires_in": 1800}
        raise changed

    tokens = oauth.token_call(token_endpoint, config)

    assert (tokens.access_token, tokens.refresh_token) == ("at", "rt")


def test_an_answer_without_a_refresh_token_is_refused():
    config = oauth.Endpoints("id", "secret", "https://a.test/", "https://t.test/", "", False)

    with pytest.raises(oauth.OAuthFailure, match="without an access and refresh token"):
        oauth.token_call(lambda url, **kwargs: {"access_token": "at"}, config)
