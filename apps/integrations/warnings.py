"""Warnings before a connection breaks: its refresh token nears its end, or the ledger refused
it (consent revoked). Shown on every page and e-mailed to staff (``apps.integrations.tasks``).

- QuickBooks Online hands out refresh tokens valid for 100 days, stated with each token as
  ``x_refresh_token_expires_in`` (kept as ``refresh_expires_at``); a sync that refreshes the
  access token gets a new one. Intuit: "The Refresh Token ... is valid for 100 days before you
  need to re-authenticate" (github.com/IntuitDeveloper/OAuth2-Dotnet_UsingSDK, docs/help/Tokens.md).
- Xero: "Unused refresh tokens expire after 60 days" and access tokens last 30 minutes
  (developer.xero.com/faq/oauth2); Xero states no expiry with the token, so its end is taken
  as 60 days after the last refresh (when the access token in hand was issued).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from . import registry
from .models import Integration

# The access token in hand was issued this long before it ends (Xero's last 30 minutes), which
# is when its refresh token was last used.
ACCESS_LIFETIME = timedelta(minutes=30)
# How early staff are warned: time to reconnect before anything stops.
WARN_BEFORE = timedelta(days=14)


@dataclass(frozen=True)
class Warning:
    integration: Integration
    kind: str  # "revoked" / "expiring"
    text: str
    ends_at: datetime | None = None

    @property
    def key(self) -> str:
        """What a warning e-mail is sent once for: this connection, this warning, this token."""
        moment = self.ends_at.date().isoformat() if self.ends_at else ""
        return f"{self.kind}:{moment}"


def refresh_token_ends(integration: Integration) -> datetime | None:
    if integration.refresh_expires_at:
        return integration.refresh_expires_at
    unused_days = registry.provider(integration.provider).oauth.refresh_unused_days
    if unused_days:
        issued = (
            integration.access_expires_at - ACCESS_LIFETIME
            if integration.access_expires_at
            else integration.connected_at
        )
        return issued + timedelta(days=unused_days) if issued else None
    return None


def warning_for(integration: Integration, now: datetime | None = None) -> Warning | None:
    """The warning staff must see about this connection, or None."""
    name = integration.get_provider_display()
    if integration.status == Integration.Status.NEEDS_RECONNECT:
        return Warning(
            integration,
            "revoked",
            f"{name} refused the connection (its consent was revoked or has run out): nothing "
            f"syncs with {name} until you reconnect it.",
        )
    if integration.status != Integration.Status.CONNECTED:
        return None
    ends = refresh_token_ends(integration)
    now = now or timezone.now()
    if ends is None or ends - now > WARN_BEFORE:
        return None
    days = max(0, (ends - now).days)
    when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return Warning(
        integration,
        "expiring",
        f"The connection to {name} runs out {when} ({ends:%d %b %Y}). Reconnect it to keep "
        "syncing.",
        ends,
    )


def warnings_for(organisation) -> list[Warning]:
    integrations = Integration.objects.filter(organisation=organisation).exclude(
        status=Integration.Status.DISCONNECTED
    )
    now = timezone.now()
    return [w for w in (warning_for(i, now) for i in integrations) if w is not None]
