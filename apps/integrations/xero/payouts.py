"""A Stripe payout in Xero (docs/payouts.md): a bank transfer of the payout's amount from the
Stripe clearing bank account to the payout bank account, and a spend-money bank transaction of
the fees on the clearing account (contact "Stripe", line on the card-fees account). The clearing
account then holds nothing of the payout (gross in from the payments, fees and amount out) and
the bank account shows exactly the deposit on its statement. Accounts are named as the settings
page maps them: by Code, or by AccountID for a bank account without one.
https://developer.xero.com/documentation/api/accounting/banktransfers
https://developer.xero.com/documentation/api/accounting/banktransactions
"""

from __future__ import annotations

from apps.common.money import round_money
from apps.integrations.contract import PayoutAccounts
from apps.integrations.payout_lines import fees_text, reference
from apps.payouts.models import Payout

from .mapping import account_ref

STRIPE_CONTACT = "Stripe"
REFERENCE_MAX = 255


def transfer_to_xero(payout: Payout, accounts: PayoutAccounts) -> dict:
    """A negative payout (Stripe debiting the bank for a negative balance) goes the other way:
    Xero takes only a transfer amount greater than zero."""
    source, target = (accounts.clearing, accounts.bank)
    if payout.amount < 0:
        source, target = target, source
    return {
        "FromBankAccount": account_ref(source),
        "ToBankAccount": account_ref(target),
        "Amount": round_money(abs(payout.amount)),
        "Date": payout.arrival_date.isoformat(),
        "Reference": reference(payout)[:REFERENCE_MAX],
    }


def fees_to_xero(payout: Payout, accounts: PayoutAccounts, *, contact_id: str) -> dict:
    """Fees spent; fees Stripe gave back (more than it took in this payout) received."""
    return {
        "Type": "SPEND" if payout.fees > 0 else "RECEIVE",
        "Contact": {"ContactID": contact_id},
        "BankAccount": account_ref(accounts.clearing),
        "Date": payout.arrival_date.isoformat(),
        "Reference": reference(payout)[:REFERENCE_MAX],
        "LineAmountTypes": "NoTax",
        "LineItems": [
            {
                "Description": fees_text(payout),
                "Quantity": 1,
                "UnitAmount": round_money(abs(payout.fees)),
                **account_ref(accounts.fees, code_field="AccountCode"),
            }
        ],
    }
