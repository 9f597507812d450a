"""The developer apps the product itself uses, registered with every sandbox."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from .models import Provider, SandboxApp

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


# The MYOB sandbox app's published key and secret, unless the settings name others (MYOB has no
# webhooks: a client polls with $filter on LastModified, docs/sandbox-myob.md).
MYOB_SANDBOX_CLIENT_ID = "ledgerlink-local-myob"
MYOB_SANDBOX_CLIENT_SECRET = "ledgerlink-local-myob-secret"


def myob_client_id() -> str:
    return getattr(settings, "MYOB_CLIENT_ID", "") or MYOB_SANDBOX_CLIENT_ID


def myob_client_secret() -> str:
    return getattr(settings, "MYOB_CLIENT_SECRET", "") or MYOB_SANDBOX_CLIENT_SECRET


def ensure_default_apps() -> list[SandboxApp]:
    """Create the SandboxApp rows for the configured client ids if they are missing."""
    site = settings.SITE_URL
    wanted = [
        (
            Provider.QUICKBOOKS,
            settings.QBO_CLIENT_ID,
            settings.QBO_CLIENT_SECRET,
            f"{site}/settings/integrations/quickbooks/callback/",
            f"{site}/webhooks/quickbooks/",
            settings.QBO_WEBHOOK_VERIFIER,
        ),
        (
            Provider.XERO,
            settings.XERO_CLIENT_ID,
            settings.XERO_CLIENT_SECRET,
            f"{site}/settings/integrations/xero/callback/",
            f"{site}/webhooks/xero/",
            settings.XERO_WEBHOOK_KEY,
        ),
        (
            Provider.MYOB,
            myob_client_id(),
            myob_client_secret(),
            f"{site}/settings/integrations/myob/callback/",
            "",
            "",
        ),
    ]
    apps = []
    for provider, client_id, secret, redirect, webhook_url, key in wanted:
        app, _ = SandboxApp.objects.get_or_create(
            client_id=client_id,
            defaults={
                "provider": provider,
                "name": "Ledgerlink",
                "client_secret": secret,
                "redirect_uris": [redirect],
                "webhook_url": webhook_url,
                "webhook_key": key,
            },
        )
        apps.append(app)
    return apps


def app_for_client(provider: str, client_id: str) -> SandboxApp | None:
    app = SandboxApp.objects.filter(provider=provider, client_id=client_id).first()
    if app is None and client_id in (
        settings.QBO_CLIENT_ID,
        settings.XERO_CLIENT_ID,
        myob_client_id(),
    ):
        ensure_default_apps()
        app = SandboxApp.objects.filter(provider=provider, client_id=client_id).first()
    return app


def redirect_uri_allowed(app: SandboxApp, redirect_uri: str) -> bool:
    """Registered URIs, plus any on this machine so tests on random ports can connect."""
    if redirect_uri in app.redirect_uris:
        return True
    parts = urlsplit(redirect_uri)
    return parts.scheme in ("http", "https") and parts.hostname in LOCAL_HOSTS
