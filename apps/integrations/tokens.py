"""Valid access tokens for the provider clients (docs/sync-rules.md, "One drain per integration").

Refreshes are serialised per integration: a worker claims the refresh on the Integration row
(``select_for_update`` then a claim timestamp), spends the refresh token outside any transaction
(the provider may be this very process, as the sandbox is), stores and commits the rotated pair,
and only then hands out the new access token. Workers that find a claim wait for its result
instead of spending the same refresh token a second time.

The provider's client hands over ``at_provider``, its own call that spends a refresh token at the
provider: this module knows no provider.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.common.db import when_unlocked
from apps.integrations.contract import ReconnectNeeded, TransientError

from . import crypto
from .models import Integration
from .oauth import OAuthFailure, TokenSet

Renew = Callable[[str], TokenSet]

REFRESH_MARGIN = timedelta(minutes=5)
CLAIM = timedelta(seconds=60)
WAIT_STEP_SECONDS = 0.1

__all__ = ["token_get", "token_refresh"]


def token_get(*, integration: Integration, at_provider: Renew) -> str:
    """A valid access token, refreshed first when it expires within five minutes."""
    row = _when_unlocked(Integration.objects.get, pk=integration.pk)
    _ensure_connected(row)
    current = _decrypt(row.access_token_encrypted)
    if current and not _expiring(row):
        return current
    return _refresh(integration.pk, stale_token=current, at_provider=at_provider)


def token_refresh(
    *, integration: Integration, at_provider: Renew, rejected_token: str | None = None
) -> str:
    """A new access token after a 401. When the stored token already differs from
    ``rejected_token``, another worker has refreshed meanwhile: that token is returned as is."""
    row = _when_unlocked(Integration.objects.get, pk=integration.pk)
    _ensure_connected(row)
    current = _decrypt(row.access_token_encrypted)
    if rejected_token is not None and current and current != rejected_token:
        return current
    return _refresh(integration.pk, stale_token=current, at_provider=at_provider)


def _refresh(pk: int, *, stale_token: str, at_provider: Renew) -> str:
    deadline = time.monotonic() + CLAIM.total_seconds() + 15
    while True:
        outcome = _when_unlocked(_claim, pk, stale_token=stale_token)
        if isinstance(outcome, str):
            return outcome  # someone else refreshed
        if outcome is not None:
            _, refresh_token = outcome
            break
        if time.monotonic() > deadline:
            raise TransientError("Timed out waiting for another worker's token refresh.")
        time.sleep(WAIT_STEP_SECONDS)
    try:
        tokens = at_provider(refresh_token)
    except OAuthFailure as exc:
        if exc.error == "invalid_grant":
            _when_unlocked(_needs_reconnect, pk, exc.message)
            raise ReconnectNeeded(
                "The connection was refused when renewing access: reconnect the integration "
                "in Settings → Integrations."
            ) from exc
        _when_unlocked(_release, pk)
        raise TransientError(exc.message) from exc
    except BaseException:
        _when_unlocked(_release, pk)
        raise
    _when_unlocked(_store, pk, tokens)
    return tokens.access_token


def _when_unlocked(step, *args, **kwargs):
    return when_unlocked(step, *args, within=CLAIM.total_seconds(), **kwargs)


def _claim(pk: int, *, stale_token: str) -> str | tuple[str, str] | None:
    """Returns the current token if it was refreshed meanwhile, (provider, refresh token) when
    this worker now holds the claim, or None when another worker holds it."""
    now = timezone.now()
    with transaction.atomic():
        row = Integration.objects.select_for_update().get(pk=pk)
        _ensure_connected(row)
        current = _decrypt(row.access_token_encrypted)
        if current and current != stale_token and not _expiring(row):
            return current
        if row.token_refresh_claimed_until and row.token_refresh_claimed_until > now:
            return None
        row.token_refresh_claimed_until = now + CLAIM
        row.save(update_fields=["token_refresh_claimed_until", "updated_at"])
        return row.provider, _decrypt(row.refresh_token_encrypted)


def _store(pk: int, tokens: TokenSet) -> None:
    """Committed before the new access token is used: the spent refresh token is gone."""
    with transaction.atomic():
        row = Integration.objects.select_for_update().get(pk=pk)
        apply_tokens(row, tokens)
        row.token_refresh_claimed_until = None
        row.save()


def apply_tokens(row: Integration, tokens: TokenSet) -> None:
    row.access_token_encrypted = crypto.encrypt(tokens.access_token)
    row.refresh_token_encrypted = crypto.encrypt(tokens.refresh_token)
    row.access_expires_at = tokens.access_expires_at
    row.refresh_expires_at = tokens.refresh_expires_at


def _release(pk: int) -> None:
    Integration.objects.filter(pk=pk).update(token_refresh_claimed_until=None)


def _needs_reconnect(pk: int, reason: str) -> None:
    Integration.objects.filter(pk=pk).update(
        status=Integration.Status.NEEDS_RECONNECT,
        token_refresh_claimed_until=None,
        last_error=f"Needs reconnecting: {reason}",
        updated_at=timezone.now(),
    )


def _decrypt(value: str) -> str:
    try:
        return crypto.decrypt(value)
    except crypto.TokenDecryptError as exc:
        # A configuration problem (a key removed too early): retried once the key is back.
        raise TransientError(exc.args[0]) from exc


def _expiring(row: Integration) -> bool:
    return row.access_expires_at is None or row.access_expires_at - timezone.now() < REFRESH_MARGIN


def _ensure_connected(row: Integration) -> None:
    if row.status == Integration.Status.NEEDS_RECONNECT:
        raise ReconnectNeeded(f"{row} needs reconnecting in Settings → Integrations.")
    if row.status != Integration.Status.CONNECTED:
        raise ReconnectNeeded(f"{row} is disconnected.")
