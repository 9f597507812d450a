"""A Stripe payout as a QuickBooks Deposit (docs/payouts.md): into the payout bank account
(DepositToAccountRef), one line per balance transaction from the Stripe clearing account at its
gross, and one negative line of the fees on the card-fees account, so the Deposit's total is
the payout's amount. https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/deposit
"""

from __future__ import annotations

from apps.common.money import round_money
from apps.integrations.contract import PayoutAccounts
from apps.integrations.payout_lines import fees_text, line_text, reference
from apps.payouts.models import Payout

DESCRIPTION_MAX = 4000
NOTE_MAX = 4000


def _line(amount, account_id: str, description: str) -> dict:
    return {
        "Amount": round_money(amount),
        "DetailType": "DepositLineDetail",
        "Description": description[:DESCRIPTION_MAX],
        "DepositLineDetail": {"AccountRef": {"value": account_id}},
    }


def deposit_to_qbo(payout: Payout, accounts: PayoutAccounts) -> dict:
    lines = [
        _line(line.gross, accounts.clearing, line_text(line))
        for line in payout.lines.all()
        if line.gross
    ]
    if payout.fees:
        lines.append(_line(-payout.fees, accounts.fees, fees_text(payout)))
    return {
        "DepositToAccountRef": {"value": accounts.bank},
        "TxnDate": payout.arrival_date.isoformat(),
        "PrivateNote": reference(payout)[:NOTE_MAX],
        "Line": lines,
    }
