"""A Stripe payout in MYOB Business (docs/payouts.md, docs/myob.md): a transfer money
transaction of the payout's amount from the Stripe clearing bank account to the payout bank
account, and a spend money transaction of the fees paid from the clearing account on the card
fees account. The clearing account then holds nothing of the payout (the payments' gross in,
the amount and the fees out) and the bank account shows the deposit its statement shows; the
same shape as Xero's.
https://developer.myob.com/api/myob-business-api/v2/banking/transfer_money/
https://developer.myob.com/api/myob-business-api/v2/banking/spend_money/

Tax on the fees: Stripe's payment fees to Australian businesses include GST at 10 %; in New
Zealand GST applies to Connect and Radar fees only, not to payment fees
(https://support.stripe.com/questions/tax-on-stripes-fees). So an Australian company file's
fee line takes GST, tax inclusive (MYOB works out the GST inside it: the amount paid stays the
fees to the cent); elsewhere N-T (not reportable), which adds nothing to the fees.
"""

from __future__ import annotations

from apps.common.money import round_money
from apps.integrations.contract import PayoutAccounts
from apps.integrations.payout_lines import fees_text, reference
from apps.payouts.models import Payout

from .mapping import MEMO_MAX, ref

TRANSFERS = "Banking/TransferMoneyTxn"
SPENDS = "Banking/SpendMoneyTxn"
# The currency of the company files whose Stripe fees carry GST (MYOB files are AU or NZ).
FEES_WITH_GST = "AUD"
FEES_CODE, FEES_CODE_ELSEWHERE = "GST", "N-T"


def transfer_memo(payout: Payout) -> str:
    """What finds the transfer again (MYOB has no idempotency key): unique per payout."""
    return reference(payout)[:MEMO_MAX]


def fees_memo(payout: Payout) -> str:
    return fees_text(payout)[:MEMO_MAX]


def transfer_to_myob(payout: Payout, accounts: PayoutAccounts) -> dict:
    return {
        "FromAccount": ref(accounts.clearing),
        "ToAccount": ref(accounts.bank),
        "Amount": round_money(payout.amount),
        "Date": f"{payout.arrival_date.isoformat()}T00:00:00",
        "Memo": transfer_memo(payout),
    }


def fees_to_myob(payout: Payout, accounts: PayoutAccounts, *, tax_code_uid: str) -> dict:
    return {
        "PayFrom": "Account",
        "Account": ref(accounts.clearing),
        "Date": f"{payout.arrival_date.isoformat()}T00:00:00",
        "IsTaxInclusive": True,
        "Memo": fees_memo(payout),
        "Lines": [
            {
                "Account": ref(accounts.fees),
                "Amount": round_money(payout.fees),
                "TaxCode": ref(tax_code_uid),
                "Memo": fees_memo(payout),
            }
        ],
    }
