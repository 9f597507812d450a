"""What QuickBooks Online's API offers the engine (apps.integrations.contract.Capabilities).

Batch: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch
Idempotency (``requestid``): https://blogs.intuit.com/2015/04/06/15346/
Time activities: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/timeactivity
"""

from __future__ import annotations

from apps.integrations.contract import Capabilities

from . import limits

CAPABILITIES = Capabilities(
    batch_size=limits.BATCH_SIZE,
    finds_customers_in_bulk=True,
    pushes_customers_in_batch=True,
    # An Invoice refers to an existing Customer by id: the customer is created first.
    creates_customer_with_invoice=False,
    time_activities=True,
    quotes=True,
    idempotency="requestid",
    webhooks=True,
    # CreditMemo applied by a zero Payment, RefundReceipt (docs/credit-notes.md). A credit
    # memo's remaining credit is paid back in QuickBooks itself: a RefundReceipt carries items,
    # so it would take the income back a second time.
    credit_notes=True,
    refunds=True,
    credit_note_refunds=False,
)
