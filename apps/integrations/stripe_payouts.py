"""Stripe, for payouts (docs/payouts.md): connecting an organisation's account, reading a
payout and its balance transactions with the official ``stripe`` library, and the signed
webhook that tells the hub a payout was paid or failed.

Stripe is not a ledger: nothing here goes through the provider registry. What a payout becomes
in each ledger is the sync engine's work, started by ``apps.payouts.services.payout_record``
queuing the payout like any other change.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.common.money import from_minor_units
from apps.payouts.services import PayoutFacts, PayoutMismatch, TransactionFacts, payout_record

from . import crypto
from .models import StripeAccount, StripeEvent

logger = logging.getLogger(__name__)

PAYOUT_EVENTS = ("payout.paid", "payout.failed")
# Stripe's object ids are a prefix, an underscore, letters, digits (evt_…, po_…); one of
# another shape is no Stripe id, so it is refused before it reaches a query or a URL.
STRIPE_ID = re.compile(r"[a-z]+_[A-Za-z0-9_]{1,200}")
PAGE_SIZE = 100  # the most Stripe lists in one page
NETWORK_RETRIES = 2


class StripeUnavailable(Exception):
    """Stripe did not answer, or refused the key: nothing is recorded, Stripe retries."""


class PayoutUnknown(Exception):
    """Stripe has no such payout (the event names one this account never made)."""


def client_for(secret_key: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key=secret_key,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=NETWORK_RETRIES,
    )


# --- connecting -------------------------------------------------------------------------
@dataclass(frozen=True)
class ConnectRefused(Exception):
    message: str


def stripe_connect(*, organisation, secret_key: str, webhook_secret: str) -> StripeAccount:
    """Check the key with Stripe (``GET /v1/account``) and keep both secrets, encrypted."""
    secret_key, webhook_secret = secret_key.strip(), webhook_secret.strip()
    if not secret_key.startswith(("sk_", "rk_")):
        raise ConnectRefused("A Stripe secret key starts with sk_ (or rk_ for a restricted key).")
    if not webhook_secret.startswith("whsec_"):
        raise ConnectRefused("A webhook signing secret starts with whsec_.")
    try:
        account = client_for(secret_key).v1.accounts.retrieve_current()
    except stripe.AuthenticationError:
        raise ConnectRefused("Stripe refused this secret key.") from None
    except stripe.StripeError as exc:
        raise ConnectRefused(f"Stripe could not be reached: {exc.user_message or exc}") from None
    profile = account.to_dict().get("business_profile") or {}
    return stripe_account_save(
        organisation=organisation,
        account_id=account.id,
        account_name=profile.get("name") or "",
        secret_key=secret_key,
        webhook_secret=webhook_secret,
    )


def stripe_account_save(
    *, organisation, account_id: str, account_name: str, secret_key: str, webhook_secret: str
) -> StripeAccount:
    """Keep the organisation's Stripe account and its two secrets, encrypted."""
    other = StripeAccount.objects.filter(account_id=account_id).exclude(organisation=organisation)
    if other.exists():
        raise ConnectRefused("This Stripe account is connected to another organisation.")
    row, _ = StripeAccount.objects.update_or_create(
        organisation=organisation,
        defaults={
            "account_id": account_id,
            "account_name": account_name[:200],
            "secret_key_encrypted": crypto.encrypt(secret_key),
            "webhook_secret_encrypted": crypto.encrypt(webhook_secret),
        },
    )
    return row


def webhook_url(account: StripeAccount) -> str:
    return f"{settings.SITE_URL}/webhooks/stripe/{account.account_id}/"


# --- reading a payout -------------------------------------------------------------------
def payout_read(account: StripeAccount, payout_id: str) -> PayoutFacts:
    """The payout as Stripe has it now, with every balance transaction it carried (all pages,
    charges expanded). Raises StripeUnavailable."""
    client = client_for(crypto.decrypt(account.secret_key_encrypted))
    try:
        payout = client.v1.payouts.retrieve(payout_id)
        transactions = []
        if payout.status == "paid":
            listing = client.v1.balance_transactions.list(
                params={"payout": payout_id, "limit": PAGE_SIZE, "expand": ["data.source"]}
            )
            transactions = [_transaction(txn.to_dict()) for txn in listing.auto_paging_iter()]
    except stripe.InvalidRequestError as exc:
        if exc.code == "resource_missing":
            raise PayoutUnknown(f"Stripe has no payout {payout_id}.") from exc
        raise StripeUnavailable(str(exc.user_message or exc)) from exc
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc.user_message or exc)) from exc
    return PayoutFacts(
        stripe_payout_id=payout.id,
        status="paid" if payout.status == "paid" else "failed",
        currency=payout.currency,
        amount=from_minor_units(payout.amount),
        arrival_date=datetime.fromtimestamp(payout.arrival_date, tz=UTC).date(),
        failure_message=payout.to_dict().get("failure_message") or "",
        transactions=transactions,
    )


def _transaction(txn: dict) -> TransactionFacts:
    source = txn.get("source")
    source_id = source if isinstance(source, str) else (source or {}).get("id", "")
    return TransactionFacts(
        balance_transaction_id=txn["id"],
        kind=txn["type"],
        source_id=source_id or "",
        gross=from_minor_units(txn["amount"]),
        fee=from_minor_units(txn["fee"]),
        net=from_minor_units(txn["net"]),
        description=txn.get("description") or "",
    )


# --- the webhook ------------------------------------------------------------------------
RECEIVED, ALREADY_RECEIVED, IGNORED = (
    "Received.",
    "Already received.",
    "Ignored: not a payout event.",
)


class EventRefused(Exception):
    """The request is answered 400 with this reason, and nothing is written."""


@dataclass(frozen=True)
class PayoutEvent:
    event_id: str
    kind: str  # one of PAYOUT_EVENTS
    payout_id: str
    signature: str  # the Stripe-Signature header, kept to tell a replay from a redelivery


def payout_event_parse(
    *, account: StripeAccount, body: bytes, signature: str
) -> PayoutEvent | None:
    """The payout event a signed request carries, None for an event of another type. The
    signature is checked by the official library (``WebhookSignature.verify_header``, which
    ``Webhook.construct_event`` uses: HMAC-SHA256 of "t.payload" compared in constant time,
    timestamp within STRIPE_WEBHOOK_TOLERANCE_SECONDS,
    https://docs.stripe.com/webhooks#verify-official-libraries). Raises EventRefused for
    anything forged, stale or malformed; reads and writes nothing."""
    try:
        payload = body.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            payload,
            signature,
            crypto.decrypt(account.webhook_secret_encrypted),
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
        event = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        raise EventRefused(f"Signature refused: {exc.user_message or exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise EventRefused("The body is not a JSON event.") from None
    if not isinstance(event, dict):
        raise EventRefused("The body is not a JSON event.")
    event_id, kind = event.get("id"), event.get("type")
    obj = (event.get("data") or {}).get("object") if isinstance(event.get("data"), dict) else None
    if not isinstance(event_id, str) or not isinstance(kind, str) or not isinstance(obj, dict):
        raise EventRefused("An event needs an id, a type and data.object.")
    if not STRIPE_ID.fullmatch(event_id):
        raise EventRefused("The event's id is not a Stripe event id.")
    if event.get("account") not in (None, account.account_id):
        # An event of another Stripe account (Connect sends those with "account" set) is not
        # this organisation's, whatever secret it was signed with.
        raise EventRefused("This event belongs to another Stripe account.")
    if kind not in PAYOUT_EVENTS:
        return None
    payout_id = obj.get("id")
    if not isinstance(payout_id, str) or not payout_id.startswith("po_"):
        raise EventRefused("A payout event's data.object must be a payout.")
    if not STRIPE_ID.fullmatch(payout_id):
        raise EventRefused("The payout's id is not a Stripe payout id.")
    return PayoutEvent(event_id=event_id, kind=kind, payout_id=payout_id, signature=signature)


def stripe_payout_event_record(*, account: StripeAccount, event: PayoutEvent) -> str:
    """Record a payout event once per event id and its payout once (docs/payouts.md, "The
    webhook"); returns what to answer Stripe. The payout is read from Stripe before anything
    is written, so no write lock is held while Stripe answers. Raises EventRefused (400) and
    StripeUnavailable (503), both with nothing written."""
    seen = StripeEvent.objects.filter(event_id=event.event_id).first()
    if seen is not None:
        if seen.signature == event.signature:
            raise EventRefused("This signed request was already received (a replay).")
        return ALREADY_RECEIVED
    try:
        facts = payout_read(account, event.payout_id)
    except PayoutUnknown as exc:
        raise EventRefused(str(exc)) from exc
    try:
        with transaction.atomic():
            StripeEvent.objects.create(
                account=account,
                event_id=event.event_id,
                event_type=event.kind,
                signature=event.signature[:1000],
                object_id=event.payout_id,
            )
            payout_record(organisation=account.organisation, facts=facts)
    except IntegrityError:
        # The same event recorded meanwhile by a delivery that arrived at the same time.
        return ALREADY_RECEIVED
    except PayoutMismatch as exc:
        raise EventRefused(str(exc)) from exc
    return RECEIVED


def _answer(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain")


@csrf_exempt
@require_POST
def receive(request: HttpRequest, account_id: str) -> HttpResponse:
    """``POST /webhooks/stripe/<acct_…>/``: a forged, stale, replayed or malformed request is
    answered 400, Stripe out of reach 503, both with nothing written."""
    account = StripeAccount.objects.filter(account_id=account_id).first()
    if account is None:
        return _answer("No Stripe account is connected at this address.", 400)
    signature = request.headers.get("Stripe-Signature", "")
    try:
        event = payout_event_parse(account=account, body=request.body, signature=signature)
        if event is None:
            # Acknowledged so that Stripe does not retry it; nothing of it is kept.
            return _answer(IGNORED)
        return _answer(stripe_payout_event_record(account=account, event=event))
    except EventRefused as exc:
        return _answer(str(exc), 400)
    except StripeUnavailable as exc:
        logger.warning("Stripe payout %s could not be read: %s", event.payout_id, exc)
        # Nothing kept: Stripe delivers the event again later.
        return _answer(f"Stripe could not be read: {exc}", 503)
