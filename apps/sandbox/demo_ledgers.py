"""Connect a hub organisation to sandbox companies of its own country, as an operator would in
the browser: one company per registered provider that has a sandbox, consented and stored
through the hub's own connect service (so the first sync starts as after a real consent).

The list of ledgers is the provider registry's, not a list here: a provider is connected once it
is registered and the sandbox can make its companies (``Provider``). MYOB joins the Australian
demo that way when its adapter and its sandbox land. Running it again connects nothing twice:
a provider the organisation already has an integration for (connected or not) is left alone,
and a sandbox company is found by its name before one is made."""

from __future__ import annotations

from apps.integrations import registry
from apps.integrations.companies import CompanyFacts
from apps.integrations.models import AccountMapping, Integration
from apps.integrations.oauth import TokenSet
from apps.integrations.services import integration_connect, integration_first_sync_start

from .apps_registry import ensure_default_apps
from .companies import company_create
from .models import Provider, SandboxCompany, SandboxRecord
from .oauth import token_issue


def ledger_providers() -> list[registry.ProviderEntry]:
    """Registered providers whose sandbox can make a company."""
    return [entry for entry in registry.providers() if entry.name in Provider.values]


def ledgers_connect(organisation) -> list[Integration]:
    """The organisation's integration with each ledger, connecting the missing ones."""
    connected = []
    for entry in ledger_providers():
        existing = organisation.integrations.filter(provider=entry.name).first()
        connected.append(existing or _connect(organisation, entry))
    return connected


def _connect(organisation, entry: registry.ProviderEntry) -> Integration:
    company = _company(organisation, entry)
    app = next(app for app in ensure_default_apps() if app.provider == entry.name)
    token = token_issue(app=app, company=company, scope=" ".join(entry.oauth.scopes))
    integration = integration_connect(
        organisation=organisation,
        provider=entry.name,
        company=CompanyFacts(
            remote_id=company.external_id,
            name=company.name,
            country=company.country,
            currency=company.currency,
        ),
        tokens=TokenSet(
            access_token=token.access_token,
            refresh_token=token.refresh_token,
            access_expires_at=token.access_expires_at,
            refresh_expires_at=token.refresh_expires_at,
        ),
    )
    # The demo is ready to use: its first sync starts as if staff had clicked Start.
    return integration_first_sync_start(integration=integration)


def _company(organisation, entry: registry.ProviderEntry) -> SandboxCompany:
    name = f"{organisation.name} ({entry.display_name})"
    found = SandboxCompany.objects.filter(provider=entry.name, name=name).first()
    return found or company_create(
        provider=entry.name,
        name=name,
        country=organisation.country,
        currency=organisation.currency,
    )


# The accounts of each sandbox company's sample chart that Stripe payouts use (docs/payouts.md):
# (chart entity, the field the hub knows an account by, Stripe clearing, card fees, the bank
# account payouts land in). Xero accounts go by their Code (an AccountID only for a bank account
# without one), the others by their id. Xero and MYOB transfer only between bank accounts, so
# their clearing account is one.
STRIPE_ACCOUNTS = {
    Provider.QUICKBOOKS: ("Account", "", "Stripe Clearing", "Bank Charges", "Checking"),
    Provider.XERO: ("Accounts", "Code", "Stripe Clearing", "Bank Fees", "Business Bank Account"),
    Provider.MYOB: (
        "myob:GeneralLedger/Account",
        "",
        "Stripe Clearing",
        "Bank Fees",
        "Business Cheque Account",
    ),
}


def stripe_payouts_on(integration: Integration) -> Integration:
    """Map the three Stripe accounts from the sandbox company's chart where staff left them
    unmapped (a choice already saved is kept) and turn Sync Stripe payouts on, as staff would
    on the settings page; a provider whose sandbox chart is not known here is left alone."""
    accounts = STRIPE_ACCOUNTS.get(integration.provider)
    company = SandboxCompany.objects.filter(
        provider=integration.provider, external_id=integration.remote_company_id
    ).first()
    if accounts is None or company is None:
        return integration
    entity, id_field, *names = accounts
    mapping, _ = AccountMapping.objects.get_or_create(integration=integration)
    fields = ("stripe_clearing_account", "card_fees_account", "payout_bank_account")
    for field, name in zip(fields, names, strict=True):
        if getattr(mapping, f"{field}_id"):
            continue
        record = SandboxRecord.objects.filter(
            company=company, entity=entity, deleted=False, data__Name=name
        ).first()
        if record is not None:
            remote_id = str(record.data.get(id_field) or "") if id_field else ""
            setattr(mapping, f"{field}_id", remote_id or record.record_id)
            setattr(mapping, f"{field}_name", name)
    mapping.save()
    if not integration.payouts_sync_to:
        integration.payouts_sync_to = True
        integration.save(update_fields=["payouts_sync_to", "updated_at"])
    return integration
