"""The Stripe sandbox's objects, stored as Stripe's own JSON in ``SandboxRecord`` rows.

An account is a ``SandboxCompany`` (provider ``stripe``, ``external_id`` the ``acct_`` id) whose
settings hold its test secret key; a webhook endpoint is a ``SandboxApp`` (``client_id`` the
``we_`` id, ``webhook_key`` its ``whsec_`` signing secret). Amounts are integers in the
currency's minor unit and currencies are lowercase, as in every Stripe object
(https://docs.stripe.com/currencies#zero-decimal).
"""

from __future__ import annotations

import secrets
import string
import time
from typing import Any

from django.db import transaction

from apps.sandbox import store
from apps.sandbox.models import Provider, SandboxApp, SandboxCompany, SandboxRecord

from . import errors, events

CHARGE = "charge"
BALANCE_TRANSACTION = "balance_transaction"
PAYOUT = "payout"
EVENT = "event"
# Internal fields (never shown): the payout a balance transaction was paid out in.
PAID_OUT_IN = "_payout"
# The sandbox's card pricing: 2.9% + 30 minor units per successful charge
# (https://stripe.com/pricing, "Standard" card pricing in the US).
FEE_PERCENT_TENTHS = 29
FEE_FIXED = 30
# "The minimum amount is $0.50 US or equivalent in charge currency."
# https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
MINIMUM_CHARGE = 50
TEST_SOURCES = {"tok_visa": ("visa", "4242"), "tok_mastercard": ("mastercard", "4444")}


def new_id(prefix: str) -> str:
    alphabet = string.ascii_letters + string.digits
    return f"{prefix}_{''.join(secrets.choice(alphabet) for _ in range(24))}"


def now() -> int:
    return int(time.time())


def account_create(
    *, name: str, country: str = "US", currency: str = "usd", webhook_url: str = ""
) -> tuple[SandboxCompany, str, str]:
    """A Stripe account with a test secret key; with ``webhook_url``, one webhook endpoint.
    Returns (account, secret key, webhook signing secret)."""
    secret_key = f"sk_test_{secrets.token_urlsafe(36)}"
    account = SandboxCompany.objects.create(
        provider=Provider.STRIPE,
        external_id=new_id("acct")[:21],
        name=name,
        country=country.upper(),
        currency=currency.upper(),
        payroll_enabled=False,
        settings={"secret_key": secret_key, "webhook_endpoints": []},
    )
    signing_secret = endpoint_add(account, webhook_url) if webhook_url else ""
    return account, secret_key, signing_secret


def endpoint_add(account: SandboxCompany, url: str) -> str:
    """Register a webhook endpoint; returns its signing secret (``whsec_…``)."""
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    endpoint = SandboxApp.objects.create(
        provider=Provider.STRIPE,
        name=f"Webhook endpoint of {account.external_id}",
        client_id=new_id("we"),
        client_secret="",
        webhook_url=url,
        webhook_key=secret,
    )
    account.settings.setdefault("webhook_endpoints", []).append(endpoint.client_id)
    account.save(update_fields=["settings"])
    return secret


def account_for_key(key: str) -> SandboxCompany | None:
    if not key.startswith(("sk_test_", "rk_test_")):
        return None
    return SandboxCompany.objects.filter(provider=Provider.STRIPE, settings__secret_key=key).first()


def shown(record: SandboxRecord) -> dict[str, Any]:
    return {key: value for key, value in record.data.items() if not key.startswith("_")}


def find(account: SandboxCompany, kind: str, object_id: str) -> SandboxRecord | None:
    return store.record_get(company=account, entity=kind, record_id=object_id)


def fee_for(amount: int) -> int:
    """2.9% (half up, in minor units) + 30."""
    return (amount * FEE_PERCENT_TENTHS + 500) // 1000 + FEE_FIXED


def charge_create(
    account: SandboxCompany,
    *,
    amount: int,
    currency: str,
    source: str = "tok_visa",
    description: str = "",
    metadata: dict[str, str] | None = None,
) -> SandboxRecord:
    """A succeeded card charge and its balance transaction (gross, fee, net)."""
    if currency.lower() != account.currency.lower():
        raise errors.invalid(
            f"The currency {currency.lower()} is not the account's currency "
            f"({account.currency.lower()}).",
            "currency",
            code="parameter_invalid_string",
        )
    if amount < MINIMUM_CHARGE:
        raise errors.invalid("Amount must be at least $0.50 usd", "amount", code="amount_too_small")
    if source not in TEST_SOURCES:
        raise errors.missing("source", source, param="source")
    brand, last4 = TEST_SOURCES[source]
    created = now()
    charge_id, txn_id = new_id("ch"), new_id("txn")
    fee = fee_for(amount)
    with transaction.atomic():
        store.record_create(
            company=account,
            entity=BALANCE_TRANSACTION,
            record_id=txn_id,
            notify=False,
            data={
                "id": txn_id,
                "object": "balance_transaction",
                "amount": amount,
                "available_on": created,
                "created": created,
                "currency": currency.lower(),
                "description": description or None,
                "exchange_rate": None,
                "fee": fee,
                "fee_details": [
                    {
                        "amount": fee,
                        "application": None,
                        "currency": currency.lower(),
                        "description": "Stripe processing fees",
                        "type": "stripe_fee",
                    }
                ],
                "net": amount - fee,
                "reporting_category": "charge",
                "source": charge_id,
                "status": "available",
                "type": "charge",
                PAID_OUT_IN: None,
            },
        )
        return store.record_create(
            company=account,
            entity=CHARGE,
            record_id=charge_id,
            notify=False,
            data={
                "id": charge_id,
                "object": "charge",
                "amount": amount,
                "amount_captured": amount,
                "amount_refunded": 0,
                "balance_transaction": txn_id,
                "captured": True,
                "created": created,
                "currency": currency.lower(),
                "description": description or None,
                "livemode": False,
                "metadata": metadata or {},
                "paid": True,
                "refunded": False,
                "status": "succeeded",
                "payment_method_details": {
                    "type": "card",
                    "card": {"brand": brand, "last4": last4},
                },
            },
        )


def payout_create(account: SandboxCompany, *, fail: bool = False) -> SandboxRecord:
    """Pay out the whole available balance (every balance transaction not yet paid out), as an
    automatic payout does; it is paid (``payout.paid``) or, with ``fail``, fails
    (``payout.failed``, the funds back on the balance). The event goes to every endpoint."""
    with transaction.atomic():
        pending = list(
            store.records(account, BALANCE_TRANSACTION)
            .select_for_update()
            .filter(**{f"data__{PAID_OUT_IN}": None})
            .exclude(data__type="payout")
            .order_by("pk")
        )
        net = sum(int(row.data["net"]) for row in pending)
        if net <= 0:
            raise errors.StripeRefusal(
                400,
                "You have insufficient funds in your Stripe account for this payout.",
                code="balance_insufficient",
                param="amount",
            )
        created = now()
        payout_id, txn_id = new_id("po"), new_id("txn")
        currency = account.currency.lower()
        for row in pending:
            row.data[PAID_OUT_IN] = payout_id
            store.record_save(record=row, notify=False)
        store.record_create(
            company=account,
            entity=BALANCE_TRANSACTION,
            record_id=txn_id,
            notify=False,
            data=_payout_transaction(txn_id, payout_id, -net, currency, created, "payout"),
        )
        data = {
            "id": payout_id,
            "object": "payout",
            "amount": net,
            "arrival_date": created,
            "automatic": True,
            "balance_transaction": txn_id,
            "created": created,
            "currency": currency,
            "description": "STRIPE PAYOUT",
            "destination": "ba_sandbox",
            "failure_balance_transaction": None,
            "failure_code": None,
            "failure_message": None,
            "livemode": False,
            "metadata": {},
            "method": "standard",
            "source_type": "card",
            "statement_descriptor": None,
            "status": "paid",
            "type": "bank_account",
        }
        payout = store.record_create(
            company=account, entity=PAYOUT, record_id=payout_id, notify=False, data=data
        )
        if fail:
            return payout_fail(account, payout)
        events.emit(account, "payout.paid", shown(payout))
    return payout


def payout_fail(account: SandboxCompany, payout: SandboxRecord) -> SandboxRecord:
    """The bank refused the payout: its amount comes back on the balance (a ``payout_failure``
    balance transaction) and ``payout.failed`` is sent.
    https://docs.stripe.com/payouts#payout-failures"""
    with transaction.atomic():
        txn_id = new_id("txn")
        store.record_create(
            company=account,
            entity=BALANCE_TRANSACTION,
            record_id=txn_id,
            notify=False,
            data=_payout_transaction(
                txn_id,
                payout.record_id,
                int(payout.data["amount"]),
                payout.data["currency"],
                now(),
                "payout_failure",
            ),
        )
        payout.data.update(
            status="failed",
            failure_balance_transaction=txn_id,
            failure_code="account_closed",
            failure_message="The bank account has been closed.",
        )
        store.record_save(record=payout, notify=False)
        events.emit(account, "payout.failed", shown(payout))
    return payout


def _payout_transaction(
    txn_id: str, payout_id: str, amount: int, currency: str, created: int, kind: str
) -> dict[str, Any]:
    return {
        "id": txn_id,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created,
        "created": created,
        "currency": currency,
        "description": "STRIPE PAYOUT",
        "exchange_rate": None,
        "fee": 0,
        "fee_details": [],
        "net": amount,
        "reporting_category": "payout" if kind == "payout" else "payout_reversal",
        "source": payout_id,
        "status": "available",
        "type": kind,
        # A failure's funds are back on the balance: the next payout carries them.
        PAID_OUT_IN: payout_id if kind == "payout" else None,
    }
