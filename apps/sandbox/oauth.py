"""OAuth 2 for every sandbox: authorization codes, access / refresh tokens, rotation with a
grace period, revocation. Views live in ``oauth_views.py``."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.common.db import when_unlocked

from .models import Provider, SandboxApp, SandboxCompany, SandboxGrant, SandboxToken

CODE_SECONDS = 600
# How long a superseded refresh token keeps working: QBO 24 h; Xero 30 minutes, "If you don't
# receive a response from a token refresh you can retry using your existing refresh token for up
# to 30 minutes" (https://developer.xero.com/faq/oauth2). Two refreshes racing with one token
# therefore both succeed within that time; a reuse after it is ``invalid_grant``.
# MYOB documents no grace: a refresh token is spent by its refresh (docs/sandbox-myob.md).
REFRESH_GRACE = {
    Provider.QUICKBOOKS: timedelta(hours=24),
    Provider.XERO: timedelta(minutes=30),
    Provider.MYOB: timedelta(0),
}
# Unused refresh tokens expire (QBO 100 days, Xero 60 days; MYOB's is not documented, a year here).
REFRESH_LIFETIME = {
    Provider.QUICKBOOKS: timedelta(days=100),
    Provider.XERO: timedelta(days=60),
    Provider.MYOB: timedelta(days=365),
}


class OAuthError(Exception):
    """An OAuth error answer: ``error`` is the RFC 6749 code, ``status`` the HTTP status."""

    def __init__(self, error: str, status: int = 400, description: str = ""):
        super().__init__(error)
        self.error = error
        self.status = status
        self.description = description


@dataclass
class TokenSet:
    token: SandboxToken

    def as_json(self) -> dict:
        provider = self.token.app.provider
        data = {
            "access_token": self.token.access_token,
            "refresh_token": self.token.refresh_token,
            "token_type": "bearer" if provider == Provider.QUICKBOOKS else "Bearer",
            "expires_in": access_lifetime(provider),
        }
        if provider == Provider.QUICKBOOKS:
            data["x_refresh_token_expires_in"] = int(REFRESH_LIFETIME[provider].total_seconds())
        else:
            data["scope"] = self.token.scope
        return data


def access_lifetime(provider: str) -> int:
    if provider == Provider.QUICKBOOKS:
        return settings.SANDBOX_QBO_ACCESS_TOKEN_SECONDS
    if provider == Provider.MYOB:
        # MYOB access tokens last 20 minutes ("expires_in": "1200"), docs/sandbox-myob.md.
        return int(getattr(settings, "SANDBOX_MYOB_ACCESS_TOKEN_SECONDS", 1200))
    return settings.SANDBOX_XERO_ACCESS_TOKEN_SECONDS


def authenticate_client(app: SandboxApp | None, secret: str | None) -> SandboxApp:
    if app is None or not secret or not secrets.compare_digest(app.client_secret, secret):
        raise OAuthError("invalid_client", status=401)
    return app


def grant_create(
    *,
    app: SandboxApp,
    company: SandboxCompany,
    redirect_uri: str,
    scope: str = "",
    code_challenge: str = "",
    code_challenge_method: str = "",
    tenants: list[SandboxCompany] | None = None,
) -> SandboxGrant:
    """The authorization code handed back to the app after the person approves; ``tenants``
    are the further Xero organisations ticked beside ``company``."""
    return SandboxGrant.objects.create(
        app=app,
        company=company,
        tenant_ids=_tenant_ids(company, tenants),
        code=secrets.token_urlsafe(32),
        redirect_uri=redirect_uri,
        scope=scope,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        expires_at=timezone.now() + timedelta(seconds=CODE_SECONDS),
    )


def _tenant_ids(company: SandboxCompany, tenants: list[SandboxCompany] | None) -> list[str]:
    others = [t.external_id for t in tenants or [] if t.external_id != company.external_id]
    return [company.external_id, *dict.fromkeys(others)]


def token_issue(
    *,
    app: SandboxApp,
    company: SandboxCompany,
    scope: str = "",
    tenants: list[SandboxCompany] | None = None,
    tenant_ids: list[str] | None = None,
) -> SandboxToken:
    """A new token pair for ``company`` (and, on Xero, the further ``tenants`` it was granted;
    a refresh passes on its predecessor's ``tenant_ids``)."""
    now = timezone.now()
    return SandboxToken.objects.create(
        app=app,
        company=company,
        tenant_ids=tenant_ids if tenant_ids is not None else _tenant_ids(company, tenants),
        access_token=secrets.token_urlsafe(40),
        refresh_token=secrets.token_urlsafe(40),
        scope=scope,
        access_expires_at=now + timedelta(seconds=access_lifetime(app.provider)),
        refresh_expires_at=now + REFRESH_LIFETIME[app.provider],
    )


def _pkce_ok(grant: SandboxGrant, verifier: str) -> bool:
    if not grant.code_challenge:
        return True
    if grant.code_challenge_method.upper() == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = verifier
    return bool(verifier) and secrets.compare_digest(expected, grant.code_challenge)


def exchange_code(
    *, app: SandboxApp, code: str, redirect_uri: str, code_verifier: str = "", public: bool = False
) -> TokenSet:
    """authorization_code grant: a code works once, before it expires, for its redirect URI.
    A public client (no secret) must have started with a PKCE challenge."""
    with transaction.atomic():
        grant = SandboxGrant.objects.select_for_update().filter(code=code, app=app).first()
        if grant is None or grant.used or grant.expires_at < timezone.now():
            raise OAuthError("invalid_grant")
        if redirect_uri and redirect_uri != grant.redirect_uri:
            raise OAuthError("invalid_grant", description="redirect_uri does not match")
        if public and not grant.code_challenge:
            raise OAuthError("invalid_client", status=401)
        if not _pkce_ok(grant, code_verifier):
            raise OAuthError("invalid_grant", description="code_verifier does not match")
        grant.used = True
        grant.save(update_fields=["used"])
        token = token_issue(
            app=app, company=grant.company, scope=grant.scope, tenant_ids=grant.tenant_ids
        )
    return TokenSet(token)


def refresh(*, app: SandboxApp, refresh_token: str) -> TokenSet:
    """refresh_token grant: each refresh hands out a new pair; the old refresh token keeps
    working for the provider's grace period after it was first replaced, then ``invalid_grant``.
    A busy SQLite database makes the refresh wait rather than fail, as the real provider would."""
    return when_unlocked(_refresh, app=app, refresh_token=refresh_token)


def _refresh(*, app: SandboxApp, refresh_token: str) -> TokenSet:
    now = timezone.now()
    with transaction.atomic():
        old = (
            SandboxToken.objects.select_for_update()
            .filter(refresh_token=refresh_token, app=app)
            .first()
        )
        if old is None or old.revoked or old.refresh_expires_at < now:
            raise OAuthError("invalid_grant")
        if old.superseded_at and old.superseded_at + REFRESH_GRACE[app.provider] < now:
            raise OAuthError("invalid_grant")
        if old.superseded_at is None:
            old.superseded_at = now
            old.save(update_fields=["superseded_at"])
        token = token_issue(
            app=app, company=old.company, scope=old.scope, tenant_ids=old.tenant_ids
        )
    return TokenSet(token)


def revoke(*, app: SandboxApp, token: str) -> None:
    """Revoking either token of a pair ends the whole connection of that app to that company."""
    row = SandboxToken.objects.filter(app=app).filter(refresh_token=token).first()
    row = row or SandboxToken.objects.filter(app=app, access_token=token).first()
    if row is not None:
        SandboxToken.objects.filter(app=app, company=row.company).update(revoked=True)


def token_for_access(access_token: str) -> SandboxToken | None:
    return (
        SandboxToken.objects.select_related("app", "company")
        .filter(access_token=access_token, revoked=False)
        .first()
    )


def expire_access_tokens(company: SandboxCompany) -> int:
    """Make every access token of the company expire now (fault injection)."""
    past = timezone.now() - timedelta(seconds=1)
    return SandboxToken.objects.filter(company=company, access_expires_at__gt=past).update(
        access_expires_at=past
    )


def granted_tenant_ids(token: SandboxToken) -> list[str]:
    """The tenants a token may call: its connections that were not deleted."""
    if token.tenant_ids is None:
        return [token.company.external_id]
    return list(token.tenant_ids)


def connection_delete(*, app: SandboxApp, company: SandboxCompany) -> None:
    """DELETE /connections/{id}: the app loses that tenant on every token it holds; the tokens
    keep working for the app's other tenants, and other apps keep theirs.
    https://developer.xero.com/documentation/guides/oauth2/tenants"""
    with transaction.atomic():
        tokens = SandboxToken.objects.select_for_update().filter(app=app, revoked=False)
        for token in tokens:
            granted = granted_tenant_ids(token)
            if company.external_id in granted:
                token.tenant_ids = [t for t in granted if t != company.external_id]
                token.save(update_fields=["tenant_ids"])


def connection_id(app: SandboxApp, company: SandboxCompany) -> str:
    """Xero's connection id: stable for one app and one tenant."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{app.client_id}/{company.external_id}"))
