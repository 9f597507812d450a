"""The developer apps the product itself uses, registered with both sandboxes."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from .models import Provider, SandboxApp

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


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
    if app is None and client_id in (settings.QBO_CLIENT_ID, settings.XERO_CLIENT_ID):
        ensure_default_apps()
        app = SandboxApp.objects.filter(provider=provider, client_id=client_id).first()
    return app


def redirect_uri_allowed(app: SandboxApp, redirect_uri: str) -> bool:
    """Registered URIs, plus any on this machine so tests on random ports can connect."""
    if redirect_uri in app.redirect_uris:
        return True
    parts = urlsplit(redirect_uri)
    return parts.scheme in ("http", "https") and parts.hostname in LOCAL_HOSTS
