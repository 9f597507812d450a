"""Connect a hub organisation to a Stripe sandbox account of its own, as staff would on
Settings → Integrations → Stripe: the account's webhook endpoint points at the hub, and its keys
are stored through the hub's own service. The key is not checked over HTTP (the demo is seeded
before the web process serves the sandbox); the settings page checks a key it is given."""

from __future__ import annotations

from django.conf import settings

from apps.common.money import to_minor_units
from apps.integrations.models import StripeAccount
from apps.integrations.stripe_payouts import stripe_account_save
from apps.invoices.models import Payment
from apps.invoices.services import payment_stripe_charge_attach
from apps.sandbox import store
from apps.sandbox.models import Provider, SandboxCompany

from . import errors, objects


def stripe_sandbox_connect(organisation) -> tuple[StripeAccount, SandboxCompany]:
    """The organisation's Stripe sandbox account, connected (made the first time), with a
    charge for each card payment the hub collected (so a payout from the console carries
    them)."""
    existing = StripeAccount.objects.filter(organisation=organisation).first()
    if existing is not None:
        account = SandboxCompany.objects.filter(
            provider=Provider.STRIPE, external_id=existing.account_id
        ).first()
        if account is not None:
            charges_for_card_payments(organisation, account)
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
    charges_for_card_payments(organisation, account)
    return connected, account


def charges_for_card_payments(organisation, account: SandboxCompany) -> int:
    """A sandbox charge for every card payment collected in the hub without one."""
    payments = Payment.objects.filter(
        customer__organisation=organisation,
        source=Payment.Source.ONLINE,
        voided=False,
        stripe_charge_id="",
    ).select_related("invoice")
    made = 0
    for payment in payments:
        try:
            charge = objects.charge_create(
                account,
                amount=to_minor_units(payment.amount),
                currency=account.currency.lower(),
                description=payment.invoice.number if payment.invoice else "",
                metadata={"hub_payment": str(payment.pk)},
            )
        except errors.StripeRefusal:
            continue  # below Stripe's minimum charge: left without one
        payment_stripe_charge_attach(payment=payment, charge_id=charge.record_id)
        made += 1
    return made


def pay_out_once(account: SandboxCompany):
    """The account's first payout: Stripe pays the balance out and signs ``payout.paid`` to the
    hub's endpoint, which reads the payout back and records it (docs/payouts.md). None when the
    account has paid out before or has nothing to pay out. The event is delivered once the
    hub's web process answers (the sandbox retries it, apps/sandbox/webhooks.py)."""
    if store.records(account, objects.PAYOUT).exists():
        return None
    try:
        return objects.payout_create(account)
    except errors.StripeRefusal:
        return None  # no card payment on the balance
