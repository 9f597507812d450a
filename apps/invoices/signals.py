"""What the invoices app announces to the apps above it (docs/architecture.md, "Layers").

Sent synchronously, inside the sender's transaction: a receiver that sends anything out (an
e-mail) must do so only after that transaction commits.
"""

from __future__ import annotations

from django.dispatch import Signal

# An integration recorded the payment that left an invoice with nothing to pay (balance 0);
# kwargs: ``invoice`` and ``integration`` (the one the payment was pulled from).
invoice_paid_in_integration = Signal()
