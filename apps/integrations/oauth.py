"""OAuth 2 authorization-code flow for every provider, through requests-oauthlib.

One code path serves the real providers and the built-in sandboxes: only the endpoints, client
id and secret differ, and they come from settings (QBO_* with discovery, XERO_* with PKCE S256).
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils import timezone
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from .models import Provider

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

SCOPES = {
    Provider.QUICKBOOKS: ["com.intuit.quickbooks.accounting"],
    Provider.XERO: [
        "openid",
        "profile",
        "email",
        "offline_access",
        "accounting.transactions",
        "accounting.contacts",
        "accounting.settings.read",
    ],
}


class OAuthFailure(Exception):
    """The provider refused or failed an OAuth exchange; ``message`` is shown to staff."""

    def __init__(self, message: str, *, error: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.error = error


@dataclass(frozen=True)
class Endpoints:
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    revoke_url: str
    pkce: bool


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime | None


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    code_verifier: str


def allow_plain_http_for(url: str) -> None:
    """oauthlib refuses plain http; the local sandbox is served that way, so allow it there and
    nowhere else."""
    parts = urlsplit(url)
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


@functools.lru_cache(maxsize=8)
def _discovery(url: str) -> dict:
    """QuickBooks' OpenID discovery document names its endpoints.
    https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/openid-connect#discovery-document
    """
    try:
        response = requests.get(
            url, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"}
        )
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OAuthFailure(f"QuickBooks could not be reached ({exc.__class__.__name__}).") from exc


def endpoints(provider: str) -> Endpoints:
    if provider == Provider.QUICKBOOKS:
        document = _discovery(settings.QBO_DISCOVERY_URL)
        return Endpoints(
            client_id=settings.QBO_CLIENT_ID,
            client_secret=settings.QBO_CLIENT_SECRET,
            authorize_url=document["authorization_endpoint"],
            token_url=document["token_endpoint"],
            revoke_url=document.get("revocation_endpoint", ""),
            pkce=False,
        )
    if provider == Provider.XERO:
        return Endpoints(
            client_id=settings.XERO_CLIENT_ID,
            client_secret=settings.XERO_CLIENT_SECRET,
            authorize_url=settings.XERO_AUTHORIZE_URL,
            token_url=settings.XERO_TOKEN_URL,
            revoke_url=settings.XERO_REVOKE_URL,
            pkce=True,
        )
    raise ValueError(f"Unknown provider {provider!r}")


def authorization_start(*, provider: str, redirect_uri: str) -> AuthorizationRequest:
    config = endpoints(provider)
    allow_plain_http_for(config.authorize_url)
    session = OAuth2Session(config.client_id, redirect_uri=redirect_uri, scope=SCOPES[provider])
    state = secrets.token_urlsafe(32)
    extra: dict[str, str] = {}
    verifier = ""
    if config.pkce:
        client = WebApplicationClient(config.client_id)
        verifier = client.create_code_verifier(64)
        extra = {
            "code_challenge": client.create_code_challenge(verifier, "S256"),
            "code_challenge_method": "S256",
        }
    url, _ = session.authorization_url(config.authorize_url, state=state, **extra)
    return AuthorizationRequest(url=url, state=state, code_verifier=verifier)


def authorization_finish(
    *, provider: str, redirect_uri: str, code: str, code_verifier: str = ""
) -> TokenSet:
    """Exchange the authorization code for tokens at the provider's token endpoint."""
    config = endpoints(provider)
    allow_plain_http_for(config.token_url)
    session = OAuth2Session(config.client_id, redirect_uri=redirect_uri, scope=SCOPES[provider])
    extra = {"code_verifier": code_verifier} if code_verifier else {}
    return _token_call(
        session.fetch_token,
        config,
        code=code,
        **extra,
    )


def token_refresh_at_provider(*, provider: str, refresh_token: str) -> TokenSet:
    """Spend ``refresh_token`` for a new pair. Raises OAuthFailure (error "invalid_grant" when
    the provider refused the refresh token itself)."""
    config = endpoints(provider)
    allow_plain_http_for(config.token_url)
    session = OAuth2Session(config.client_id)
    return _token_call(session.refresh_token, config, refresh_token=refresh_token)


def _token_call(call, config: Endpoints, **kwargs) -> TokenSet:
    """One request to the token endpoint (client authenticated with HTTP Basic)."""
    try:
        token = call(
            config.token_url,
            auth=HTTPBasicAuth(config.client_id, config.client_secret),
            timeout=TIMEOUT_SECONDS,
            **kwargs,
        )
    except Warning as changed:
        # oauthlib objects when the provider grants other scopes than asked; the provider
        # decides what is granted, and the token it sent is attached to the warning.
        token = getattr(changed, "token", None)
        if not token:
            raise OAuthFailure(
                f"The token endpoint answered unexpectedly ({changed})."
            ) from changed
    except OAuth2Error as exc:
        raise OAuthFailure(_describe(exc), error=exc.error) from exc
    except (requests.RequestException, ValueError) as exc:
        raise OAuthFailure(f"The token endpoint could not be used ({exc}).") from exc
    return _token_set(token)


def token_revoke_at_provider(*, provider: str, refresh_token: str) -> bool:
    """Revoke the grant where the provider supports it. Best effort: returns whether it worked,
    because a disconnect must go ahead even when the provider is unreachable.
    QBO: https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0#revoke-token-disconnect
    Xero: https://developer.xero.com/documentation/guides/oauth2/auth-flow/#revoking-tokens
    """
    if not refresh_token:
        return False
    try:
        config = endpoints(provider)
    except OAuthFailure:
        return False
    if not config.revoke_url:
        return False
    auth = HTTPBasicAuth(config.client_id, config.client_secret)
    try:
        if provider == Provider.QUICKBOOKS:
            response = requests.post(
                config.revoke_url,
                json={"token": refresh_token},
                auth=auth,
                headers={"Accept": "application/json"},
                timeout=TIMEOUT_SECONDS,
            )
        else:
            response = requests.post(
                config.revoke_url,
                data={"token": refresh_token, "token_type_hint": "refresh_token"},
                auth=auth,
                timeout=TIMEOUT_SECONDS,
            )
    except requests.RequestException:
        logger.warning("Revoking a %s token failed: provider unreachable", provider)
        return False
    if response.status_code >= 400:
        logger.warning("Revoking a %s token failed: HTTP %s", provider, response.status_code)
        return False
    return True


def _token_set(token: dict) -> TokenSet:
    now = timezone.now()
    access = token.get("access_token") or ""
    refresh = token.get("refresh_token") or ""
    if not access or not refresh:
        raise OAuthFailure("The provider answered without an access and refresh token.")
    expires_in = _seconds(token.get("expires_in"), default=1800)
    refresh_in = _seconds(token.get("x_refresh_token_expires_in"), default=0)
    return TokenSet(
        access_token=access,
        refresh_token=refresh,
        access_expires_at=now + timedelta(seconds=expires_in),
        refresh_expires_at=now + timedelta(seconds=refresh_in) if refresh_in else None,
    )


def _seconds(value: object, *, default: int) -> int:
    try:
        return int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def _describe(exc: OAuth2Error) -> str:
    if exc.error == "invalid_grant":
        return "The provider refused the authorization (invalid_grant): it was used or has expired."
    if exc.error == "invalid_client":
        return (
            "The provider did not accept this application's client id or secret (invalid_client)."
        )
    detail = exc.description or exc.error or exc.__class__.__name__
    return f"The provider refused the token request ({detail})."
