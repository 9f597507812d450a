"""What MYOB Business (AccountRight) offers the engine (contract.Capabilities).

- No batch endpoint: every record is one POST or PUT.
  https://developer.myob.com/api/myob-business-api/v2/ (endpoint index)
- No idempotency header: a create whose answer was lost is looked up (invoices and quotes by
  Number, customers by name, items by Number, payments by their Memo) before it is sent again.
- No webhooks: changes are polled with ``$filter`` on ``LastModified``.
  https://developer.myob.com/api/accountright/api-overview/retrieving-data/
- Time billing (ActivitySlip) is not mapped: no time activities.
- Credit notes and refunds are not supported by MYOB yet (docs/credit-notes.md, "MYOB"): the
  engine holds them back for MYOB with that reason in the Sync Log. AccountRight keeps a credit
  note as a negative sale invoice, applied with Sale/CreditSettlement and paid back with
  Sale/CreditRefund (https://developer.myob.com/api/myob-business-api/v2/sale/credit_refund/);
  neither the sandbox nor this folder maps them.
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
    credit_notes=False,
    refunds=False,
    credit_note_refunds=False,
    # Stripe payouts as a transfer money and a spend money transaction (docs/payouts.md).
    payouts=True,
)
