"""OAuth 2 authorization-code flow, the same for every provider (requests-oauthlib).

Each provider folder declares its ``ProviderOAuth``: its scopes, and the calls of its client
module that reach its endpoints (the client module is the provider's only HTTP door). This
module holds what the providers share: the authorization URL (with PKCE S256 where the provider
wants it), reading the token endpoint's answer, and what a failed exchange tells staff. The
real providers and the built-in sandboxes differ only in settings (endpoints, client id, secret).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.utils import timezone
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


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


@dataclass(frozen=True)
class ProviderOAuth:
    """How a provider is connected, declared by its folder. The calls are its client's:
    ``exchange(redirect_uri=, scopes=, code=, code_verifier=)`` spends an authorization code,
    ``renew(refresh_token)`` a refresh token (raising ``OAuthFailure`` with error
    "invalid_grant" when the provider refused it), ``revoke(refresh_token)`` is best effort and
    says whether it worked."""

    scopes: tuple[str, ...]
    endpoints: Callable[[], Endpoints]
    exchange: Callable[..., TokenSet]
    renew: Callable[[str], TokenSet]
    revoke: Callable[[str], bool]
    # How long a refresh token lasts unused when the provider does not state it with each token
    # (Xero); None when every token carries its own end (QuickBooks' x_refresh_token_expires_in).
    refresh_unused_days: int | None = None


def authorization_start(oauth: ProviderOAuth, *, redirect_uri: str) -> AuthorizationRequest:
    """The provider's consent page URL with a fresh state (and a PKCE challenge when the
    provider uses PKCE). Builds a URL only: nothing is sent."""
    config = oauth.endpoints()
    allow_plain_http_for(config.authorize_url)
    session = OAuth2Session(config.client_id, redirect_uri=redirect_uri, scope=list(oauth.scopes))
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
    oauth: ProviderOAuth, *, redirect_uri: str, code: str, code_verifier: str = ""
) -> TokenSet:
    """Exchange the authorization code for tokens at the provider's token endpoint."""
    return oauth.exchange(
        redirect_uri=redirect_uri, scopes=oauth.scopes, code=code, code_verifier=code_verifier
    )


def token_session(
    config: Endpoints, *, redirect_uri: str | None = None, scopes: Sequence[str] = ()
) -> OAuth2Session:
    """A session for the token endpoint (plain http allowed only on this machine); the
    provider's client makes the request with it and hands it to ``token_call``."""
    allow_plain_http_for(config.token_url)
    return OAuth2Session(config.client_id, redirect_uri=redirect_uri, scope=list(scopes) or None)


def token_call(call, config: Endpoints, **kwargs) -> TokenSet:
    """The tokens of one request to the token endpoint, made by ``call`` (a session's
    ``fetch_token`` or ``refresh_token``, given by the provider's client), with the client
    authenticated by HTTP Basic; every failure becomes an ``OAuthFailure``."""
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


def revoke_call(send, *, endpoints: Callable[[], Endpoints], refresh_token: str) -> bool:
    """Revoke a grant through ``send(config, auth)`` (the provider's client's request). Best
    effort: returns whether it worked, because a disconnect must go ahead even when the
    provider is unreachable."""
    if not refresh_token:
        return False
    try:
        config = endpoints()
    except OAuthFailure:
        return False
    if not config.revoke_url:
        return False
    try:
        response = send(config, HTTPBasicAuth(config.client_id, config.client_secret))
    except requests.RequestException:
        logger.warning("Revoking a token at %s failed: unreachable", config.revoke_url)
        return False
    if response.status_code >= 400:
        logger.warning(
            "Revoking a token at %s failed: HTTP %s", config.revoke_url, response.status_code
        )
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
