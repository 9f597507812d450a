"""What Xero's API offers the engine (apps.integrations.contract.Capabilities).

Many elements per request: https://developer.xero.com/documentation/api/accounting/requests-and-responses
Idempotency-Key: https://developer.xero.com/documentation/guides/idempotent-requests/idempotency
Xero's accounting API has no time activities (no such endpoint in the Accounting API).
"""

from __future__ import annotations

from apps.integrations.contract import Capabilities

from . import limits

CAPABILITIES = Capabilities(
    batch_size=limits.ELEMENTS_PER_REQUEST,
    finds_customers_in_bulk=True,
    pushes_customers_in_batch=True,
    # An invoice may carry a new Contact by its details instead of a ContactID.
    creates_customer_with_invoice=True,
    # Xero's accounting API has no time activities.
    time_activities=False,
    quotes=True,
    idempotency="Idempotency-Key",
    webhooks=True,
    # Stripe payouts as a bank transfer plus a spend-money transaction (docs/payouts.md).
    payouts=True,
    # ACCRECCREDIT credit notes allocated to their invoice, refunds as payments of a credit
    # note (apps/integrations/xero/credits.py, docs/credit-notes.md).
    credit_notes=True,
    refunds=True,
    credit_note_refunds=True,
)
