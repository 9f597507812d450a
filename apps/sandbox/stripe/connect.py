"""Connect a hub organisation to a Stripe sandbox account of its own, as staff would on
Settings → Integrations → Stripe: the account's webhook endpoint points at the hub, and its keys
are stored through the hub's own service. The key is not checked over HTTP (the demo is seeded
before the web process serves the sandbox); the settings page checks a key it is given."""

from __future__ import annotations

from django.conf import settings

from apps.integrations.models import StripeAccount
from apps.integrations.stripe_payouts import stripe_account_save
from apps.sandbox.models import Provider, SandboxCompany

from . import objects


def stripe_sandbox_connect(organisation) -> tuple[StripeAccount, SandboxCompany]:
    """The organisation's Stripe sandbox account, connected (made the first time)."""
    existing = StripeAccount.objects.filter(organisation=organisation).first()
    if existing is not None:
        account = SandboxCompany.objects.filter(
            provider=Provider.STRIPE, external_id=existing.account_id
        ).first()
        if account is not None:
            return existing, account
    account, secret_key, _ = objects.account_create(
        name=organisation.name,
        country=organisation.country,
        currency=organisation.currency.lower(),
    )
    signing_secret = objects.endpoint_add(
        account, f"{settings.SITE_URL}/webhooks/stripe/{account.external_id}/"
    )
    connected = stripe_account_save(
        organisation=organisation,
        account_id=account.external_id,
        account_name=account.name,
        secret_key=secret_key,
        webhook_secret=signing_secret,
    )
    return connected, account
