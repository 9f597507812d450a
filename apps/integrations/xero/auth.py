"""Xero: how it is connected (OAuth 2 with PKCE) and which organisation an authorization
granted (connections, then Organisation). Every request goes through ``client``."""

from __future__ import annotations

import base64
import json

from django.conf import settings

from ..companies import CompanyFacts, CompanyUnavailable, country_code
from ..oauth import ProviderOAuth
from . import client

OAUTH = ProviderOAuth(
    scopes=(
        "openid",
        "profile",
        "email",
        "offline_access",
        "accounting.transactions",
        "accounting.contacts",
        "accounting.settings.read",
    ),
    endpoints=client.oauth_endpoints,
    exchange=client.token_exchange,
    renew=client.token_renew,
    revoke=client.token_revoke,
    # "Unused refresh tokens expire after 60 days" (developer.xero.com/faq/oauth2).
    refresh_unused_days=60,
)


def company_read(*, access_token: str, callback_params: dict) -> CompanyFacts:
    """https://developer.xero.com/documentation/guides/oauth2/auth-flow/#5-check-the-tenants-youre-authorized-to-access
    https://developer.xero.com/documentation/api/accounting/organisation
    """
    connections = client.connect_get(settings.XERO_CONNECTIONS_URL, access_token=access_token)
    connection = _granted_connection(connections, access_token)
    tenant_id = connection["tenantId"]
    document = client.connect_get(
        f"{settings.XERO_API_BASE}/Organisation", access_token=access_token, tenant=tenant_id
    )
    organisations = document.get("Organisations") or []
    if not organisations:
        raise CompanyUnavailable("Xero did not return the organisation's details.")
    org = organisations[0]
    return CompanyFacts(
        remote_id=tenant_id,
        name=org.get("Name") or connection.get("tenantName") or tenant_id,
        country=country_code(org.get("CountryCode")),
        currency=(org.get("BaseCurrency") or "").upper(),
    )


def _granted_connection(connections: object, access_token: str) -> dict:
    """The connection made by this authorization: the one whose ``authEventId`` matches the
    token's ``authentication_event_id`` claim, else the most recently updated one."""
    candidates = [
        c
        for c in (connections if isinstance(connections, list) else [])
        if isinstance(c, dict)
        and c.get("tenantId")
        and c.get("tenantType", "ORGANISATION") == "ORGANISATION"
    ]
    if not candidates:
        raise CompanyUnavailable("Xero no longer lists an organisation for this authorisation.")
    event_id = _claims(access_token).get("authentication_event_id")
    for connection in candidates:
        if event_id and connection.get("authEventId") == event_id:
            return connection
    return max(candidates, key=lambda c: c.get("updatedDateUtc") or "")


def _claims(access_token: str) -> dict:
    """Xero access tokens are JWTs; only the event id is read, never trusted for anything else."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return {}
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, json.JSONDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}
