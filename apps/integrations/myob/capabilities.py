"""What MYOB Business (AccountRight) offers the engine (contract.Capabilities).

- No batch endpoint: every record is one POST or PUT.
  https://developer.myob.com/api/myob-business-api/v2/ (endpoint index)
- No idempotency header: a create whose answer was lost is looked up (invoices and quotes by
  Number, customers by name, items by Number, payments by their Memo) before it is sent again.
- No webhooks: changes are polled with ``$filter`` on ``LastModified``.
  https://developer.myob.com/api/accountright/api-overview/retrieving-data/
- Time billing (ActivitySlip) is not mapped: no time activities.
- Credit notes: a sale invoice of negative total, applied to its invoice with
  Sale/CreditSettlement; refunds (of a credit note's remaining credit, and of a payment through
  a credit made for it) with Sale/CreditRefund (credits.py, docs/credit-notes.md "MYOB").
  https://developer.myob.com/api/myob-business-api/v2/sale/credit_refund/
- Stripe payouts: Banking/TransferMoneyTxn and Banking/SpendMoneyTxn (payouts.py).
  https://developer.myob.com/api/myob-business-api/v2/banking/transfer_money/
"""

from __future__ import annotations

from apps.integrations.contract import Capabilities

from . import limits

CAPABILITIES = Capabilities(
    batch_size=limits.RECORDS_PER_REQUEST,
    finds_customers_in_bulk=False,
    pushes_customers_in_batch=False,
    creates_customer_with_invoice=False,
    time_activities=False,
    quotes=True,
    idempotency="",
    webhooks=False,
    credit_notes=True,
    refunds=True,
    credit_note_refunds=True,
    # Stripe payouts as a transfer money and a spend money transaction (docs/payouts.md).
    payouts=True,
)
