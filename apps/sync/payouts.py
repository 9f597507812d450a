"""Stripe payouts, hub → each integration with Payouts Sync to on (docs/payouts.md).

A paid payout is recorded once in every integration whose provider takes payouts and whose
three Stripe accounts are mapped; the adapter makes the provider's documents (QuickBooks: a
Deposit; Xero: a bank transfer and a spend-money transaction). A provider without payouts, a
missing mapping or a failed payout each leave their reason in the Sync Log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.common.money import plain
from apps.integrations import registry
from apps.integrations.contract import PayoutAccounts, PermanentError, Pushed
from apps.integrations.mappings import ACCOUNT_HOLD, mapped_accounts
from apps.integrations.models import Integration
from apps.payouts.models import Payout

from .models import Link

if TYPE_CHECKING:
    from .push_one import Context

# PayoutAccounts field → (account mapping role, what staff call it)
ROLES = {
    "clearing": ("stripe_clearing", "Stripe clearing account"),
    "fees": ("card_fees", "card fees account"),
    "bank": ("payout_bank", "bank account payouts land in"),
}
FAILED_BEFORE = "The payout failed: nothing reached the bank, so nothing is recorded."


def no_payouts(integration: Integration) -> str:
    offered = registry.display_names_where(lambda capabilities: capabilities.payouts)
    return (
        f"{integration.get_provider_display()} does not take Stripe payouts here; they are "
        f"recorded in {offered}."
    )


def failed_after(payout: Payout) -> str:
    return (
        f"The payout failed after it was recorded ({payout.failure_message or 'no reason given'})"
        ": reverse its deposit in this integration; the money is back on the Stripe balance."
    )


def other_currency(integration: Integration, payout: Payout) -> str:
    """The payout's amounts are in its own currency: recorded in a ledger of another home
    currency they would be taken as that currency's, so the payout is not sent."""
    return (
        f"The payout is in {payout.currency.upper()}, and this {integration.get_provider_display()}"
        f" company keeps its books in {integration.currency.upper()}: it is not recorded here. "
        "Record it in the ledger by hand, converted at the rate your bank used."
    )


def unmapped(missing: list[str]) -> str:
    """Carries the mapping's ACCOUNT_HOLD words, so the Sync Log and Needs attention offer
    "Choose the account" (apps/sync/attention.py)."""
    return (
        f"Map the Stripe accounts: {ACCOUNT_HOLD} as the {', the '.join(missing)}; choose "
        "them on this integration's settings page."
    )


def accounts_of(integration: Integration) -> tuple[PayoutAccounts | None, list[str]]:
    """The three accounts of the integration's account mapping, or the labels of those not
    chosen (a payout has no adapter default to fall back on)."""
    chosen = mapped_accounts(integration, [role for role, _ in ROLES.values()])
    values = {key: chosen[role] for key, (role, _) in ROLES.items()}
    missing = [label for key, (_, label) in ROLES.items() if not values[key]]
    if missing:
        return None, missing
    return PayoutAccounts(**values), []


def payout_held_back(integration: Integration, payout: Payout, link: Link | None):
    """The rule's Decision for a payout, or None to send it."""
    from .rules import UNCHANGED, Action, Decision

    if not registry.capabilities_of(integration).payouts:
        return Decision(Action.HOLD, no_payouts(integration))
    if payout.status == Payout.Status.FAILED:
        if link is None:
            return Decision(Action.SKIP, FAILED_BEFORE)
        return Decision(Action.HOLD, failed_after(payout))
    if link is not None:
        # Recorded once; a paid payout does not change afterwards.
        return Decision(Action.SKIP, UNCHANGED)
    if payout.currency.upper() != integration.currency.upper():
        return Decision(Action.HOLD, other_currency(integration, payout))
    accounts, missing = accounts_of(integration)
    if accounts is None:
        return Decision(Action.HOLD, unmapped(missing))
    return None


def load_payout(object_id: int) -> Payout | None:
    """The payout with its lines and, for the deposit's line texts, each line's payment with
    its invoice and customer."""
    return (
        Payout.objects.prefetch_related("lines__payment__invoice", "lines__payment__customer")
        .filter(pk=object_id)
        .first()
    )


def payout_send(ctx: Context, payout: Payout, key: str) -> tuple[Pushed, str]:
    accounts, missing = accounts_of(ctx.integration)
    if accounts is None:  # unmapped since the decision: refused like any provider refusal
        raise PermanentError(unmapped(missing))
    pushed = ctx.adapter.push_payout(payout, accounts, key=key)
    return pushed, payout_message(payout)


def payout_message(payout: Payout) -> str:
    lines = list(payout.lines.all())
    charges = [line for line in lines if line.kind == "charge"]
    message = (
        f"Deposited {plain(payout.amount, 2)} {payout.currency}: {len(charges)} card "
        f"payment(s) of {plain(payout.gross, 2)} from the clearing account, "
        f"{plain(payout.fees, 2)} fees."
    )
    unknown = [line for line in charges if line.unknown]
    if unknown:
        ids = ", ".join(line.source_id for line in unknown)
        message += (
            f" {plain(payout.unknown_amount, 2)} of it came from charge(s) the hub does not know "
            f"({ids}): that part is on the clearing account with no payment behind it; record "
            "those payments to balance it."
        )
    return message
