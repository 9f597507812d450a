"""Connecting, configuring and disconnecting integrations (docs/sync-rules.md,
"Sync to and Sync from" and "Connecting, disconnecting, reconnecting")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import crypto, registry
from .companies import CompanyFacts
from .models import Integration, StripeAccount
from .oauth import TokenSet
from .signals import (
    integration_connected,
    integration_first_sync_started,
    integration_settings_saved,
    integration_sync_to_enabled,
)
from .tokens import apply_tokens

# Toggle field prefix → the sync engine's record kind (apps.sync.models.Kind).
KIND_FOR_PREFIX = {
    "customers": "customer",
    "invoices": "invoice",
    "quotes": "quote",
    "payments": "payment",
    "items": "item",
    "timesheets": "time_entry",
}
# What staff choose on the page before the consent page; the same fields stay on the settings
# pages (docs/sync-rules.md, "Connecting, disconnecting, reconnecting").
CONNECT_OPTIONS = (
    "customers_sync_to",
    "customers_sync_from",
    "invoices_sync_to",
    "invoices_sync_from",
    "quotes_sync_to",
    "quotes_sync_from",
    "payments_sync_to",
    "items_sync_to",
    "import_historical_invoices",
    "review_automation",
)
# What the settings pages may change (never the company, status or tokens).
SETTINGS_FIELDS = {
    *CONNECT_OPTIONS,
    "sync_enabled",
    "payouts_sync_to",
    "timesheets_sync_to",
    "timesheets_sync_start",
    "invoice_export_timing",
    "nightly_export_time",
}
COUNTRY_NAMES = {
    "US": "the United States",
    "CA": "Canada",
    "AU": "Australia",
    "GB": "the United Kingdom",
    "NZ": "New Zealand",
}


class ConnectRefused(Exception):
    """The company may not be connected; ``message`` says what happened, ``advice`` what to do."""

    def __init__(self, message: str, advice: str) -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice


def _country(code: str) -> str:
    return f"{COUNTRY_NAMES.get(code, code)} ({code})" if code else "an unknown country"


def integration_connect_check(
    *, organisation, provider: str, company: CompanyFacts
) -> Integration | None:
    """Raise ConnectRefused unless ``company`` may be connected; return the row it resumes."""
    label = registry.provider(provider).display_name
    if company.country != organisation.country:
        raise ConnectRefused(
            f"The {label} company “{company.name}” is in {_country(company.country)}, but "
            f"{organisation.name} is in {_country(organisation.country)}.",
            f"Connect a {label} company set up in {_country(organisation.country)} with "
            f"{organisation.currency} as its currency. Every connected integration must use the "
            "organisation's country and currency.",
        )
    if company.currency != organisation.currency:
        raise ConnectRefused(
            f"The {label} company “{company.name}” uses {company.currency or 'no currency'}, "
            f"but {organisation.name} uses {organisation.currency}.",
            f"Connect a {label} company whose home currency is {organisation.currency}.",
        )
    existing = Integration.objects.filter(organisation=organisation, provider=provider).first()
    if existing is None or existing.remote_company_id == company.remote_id:
        return existing
    old = existing.remote_company_name or existing.remote_company_id
    if existing.status != Integration.Status.DISCONNECTED:
        raise ConnectRefused(
            f"{organisation.name} already has the {label} company “{old}” connected, and only "
            f"one {label} company can be connected at a time.",
            f"To switch to “{company.name}”, disconnect “{old}” first, or connect “{old}” again "
            "to renew the existing connection.",
        )
    if existing.links.exists():
        raise ConnectRefused(
            f"Records are still linked to the previously connected {label} company “{old}”, "
            f"so “{company.name}” cannot take its place.",
            f"Reconnect “{old}” to resume syncing where it left off, or ask an administrator to "
            f"remove the links to “{old}” before connecting a different company.",
        )
    return existing


@transaction.atomic
def integration_connect(
    *,
    organisation,
    provider: str,
    company: CompanyFacts,
    tokens: TokenSet,
    options: dict | None = None,
) -> Integration:
    """Store a checked connection with the ``options`` chosen before the consent page. The same
    company resumes its row (and every link); a different one replaces a disconnected row that
    has no links.

    A new company waits for staff to click Start after the preview of its first sync; a company
    reconnected after its first sync resumes at once (docs/sync-rules.md, "Connecting,
    disconnecting, reconnecting")."""
    existing = integration_connect_check(
        organisation=organisation, provider=provider, company=company
    )
    integration = existing or Integration(organisation=organisation, provider=provider)
    if existing is not None:
        integration = Integration.objects.select_for_update().get(pk=existing.pk)
    if integration.pk is None or integration.remote_company_id != company.remote_id:
        integration.waiting_for_start = True
    _options_apply(integration, options or {})
    integration.remote_company_id = company.remote_id
    integration.remote_company_name = company.name
    integration.country = company.country
    integration.currency = company.currency
    integration.region = company.region
    integration.status = Integration.Status.CONNECTED
    integration.connected_at = timezone.now()
    integration.disconnected_at = None
    integration.last_error = ""
    integration.token_refresh_claimed_until = None
    apply_tokens(integration, tokens)
    integration.save()
    # The engine starts the first sync once this commits, unless it waits for Start.
    integration_connected.send(sender=Integration, integration=integration)
    return integration


def _options_apply(integration: Integration, options: dict) -> None:
    unknown = set(options) - set(CONNECT_OPTIONS)
    if unknown:
        raise ValueError(f"Not a connect option: {', '.join(sorted(unknown))}")
    for name, value in options.items():
        setattr(integration, name, bool(value))


@transaction.atomic
def integration_first_sync_start(*, integration: Integration) -> Integration:
    """Staff clicked Start: the first sync of a new connection begins once this commits.
    Returns the row unchanged when it was not waiting (a second click, another tab)."""
    row = Integration.objects.select_for_update().get(pk=integration.pk)
    if not (row.waiting_for_start and row.is_connected):
        return row
    row.waiting_for_start = False
    row.save(update_fields=["waiting_for_start", "updated_at"])
    integration_first_sync_started.send(sender=Integration, integration=row)
    return row


def integration_disconnect(*, integration: Integration) -> Integration:
    """Stop updates to this integration only; every record and link stays
    (docs/sync-rules.md, "Connecting, disconnecting, reconnecting")."""
    refresh_token = ""
    if integration.refresh_token_encrypted:
        try:
            refresh_token = crypto.decrypt(integration.refresh_token_encrypted)
        except crypto.TokenDecryptError:
            refresh_token = ""
    # Revoked outside the transaction: the provider may be slow or this very process.
    registry.provider(integration.provider).oauth.revoke(refresh_token)
    with transaction.atomic():
        row = Integration.objects.select_for_update().get(pk=integration.pk)
        row.status = Integration.Status.DISCONNECTED
        row.disconnected_at = timezone.now()
        row.access_token_encrypted = ""
        row.refresh_token_encrypted = ""
        row.access_expires_at = None
        row.refresh_expires_at = None
        row.token_refresh_claimed_until = None
        row.save()
    return row


def _sync_to_kinds(integration: Integration) -> set[str]:
    return {kind for prefix, kind in KIND_FOR_PREFIX.items() if _syncs_to(integration, prefix)}


def _syncs_to(integration: Integration, prefix: str) -> bool:
    return integration.sync_enabled and bool(getattr(integration, f"{prefix}_sync_to", False))


def _notify_sync_to_enabled(integration: Integration, kinds: Iterable[str]) -> None:
    """Records still in progress are sent when Sync to is turned on (docs/sync-rules.md,
    "Connecting, disconnecting, reconnecting"): the sync engine queues them."""
    if kinds:
        integration_sync_to_enabled.send(
            sender=Integration, integration=integration, kinds=sorted(kinds)
        )


def _timesheets_start_settle(integration: Integration, *, previous: date | None) -> bool:
    """Settle the timesheet sync start date before the settings are saved: today (in the
    organisation's time zone) when timesheet sync is first turned on, never a future date.
    True when the date moved earlier, so approved entries from then on are to be queued."""
    today = integration.organisation.today()
    start = integration.timesheets_sync_start
    if integration.timesheets_sync_to and start is None:
        integration.timesheets_sync_start = start = today
    if start is not None and start > today:
        raise ValidationError(
            {
                "timesheets_sync_start": (
                    f"The sync start date cannot be in the future: choose {today:%d %b %Y} or "
                    "an earlier date."
                )
            }
        )
    return previous is not None and start is not None and start < previous


@transaction.atomic
def integration_settings_update(*, integration: Integration, values: dict) -> Integration:
    """Save any of the integration's settings fields; newly effective Sync to kinds are handed
    to the sync engine in the same transaction."""
    row = Integration.objects.select_for_update().get(pk=integration.pk)
    before = _sync_to_kinds(row)
    previous_start = row.timesheets_sync_start
    unknown = set(values) - SETTINGS_FIELDS
    if unknown:
        raise ValueError(f"Not a setting: {', '.join(sorted(unknown))}")
    for name, value in values.items():
        setattr(row, name, value)
    if row.invoice_export_timing == Integration.ExportTiming.IMMEDIATE:
        row.nightly_export_time = None
    # Today when timesheet sync is first turned on; an earlier date backfills
    # (docs/sync-rules.md, "Timesheets").
    backfill = _timesheets_start_settle(row, previous=previous_start)
    row.full_clean(exclude=["organisation"])
    row.save()
    # The nightly export's beat schedule follows the timing and time just saved.
    integration_settings_saved.send(sender=Integration, integration=row)
    if row.is_connected:
        kinds = _sync_to_kinds(row) - before
        if backfill and row.syncs_to("time_entry"):
            kinds.add("time_entry")
        _notify_sync_to_enabled(row, kinds)
    return row


def integration_document_toggles_update(
    *, integration: Integration, kind: str, sync_to: bool, sync_from: bool
) -> Integration:
    """Invoice Settings / Quote Settings: the pair of toggles for one integration. While Enable
    Sync is off the toggles are locked: the integration is returned unchanged."""
    if kind not in ("invoices", "quotes"):
        raise ValueError(f"No toggles for {kind!r}")
    if not integration.sync_enabled:
        return integration
    return integration_settings_update(
        integration=integration, values={f"{kind}_sync_to": sync_to, f"{kind}_sync_from": sync_from}
    )


@transaction.atomic
def tokens_reencrypt() -> int:
    """Move every stored token to the newest key (manage.py rotate_encryption_key)."""
    count = 0
    for row in Integration.objects.select_for_update().order_by("pk"):
        row.access_token_encrypted = crypto.reencrypt(row.access_token_encrypted)
        row.refresh_token_encrypted = crypto.reencrypt(row.refresh_token_encrypted)
        row.save(update_fields=["access_token_encrypted", "refresh_token_encrypted"])
        count += 1
    # The Stripe secrets are kept the same way (docs/payouts.md).
    for stripe in StripeAccount.objects.select_for_update().order_by("pk"):
        stripe.secret_key_encrypted = crypto.reencrypt(stripe.secret_key_encrypted)
        stripe.webhook_secret_encrypted = crypto.reencrypt(stripe.webhook_secret_encrypted)
        stripe.save(update_fields=["secret_key_encrypted", "webhook_secret_encrypted"])
    return count
