"""Where a record is on QuickBooks Online's own web pages, for "open in QuickBooks" links.

Intuit publishes no list of these addresses; they are the ones QuickBooks Online shows in the
browser's address bar for each record, and what other integrations link to:
``https://app.qbo.intuit.com/app/invoice?txnId=ID`` (invoices), ``/app/estimate?txnId=ID``
(estimates, the hub's quotes), ``/app/recvpayment?txnId=ID`` (received payments) and
``/app/customerdetail?nameId=ID`` (customers). The address opens the record in the company the
user is signed in to. Items and time activities have no page of their own: no link.

With the local sandbox served, the sandbox console's page of the record instead, where it has
one: customers and invoices (docs/sandbox-quickbooks.md). ``{company}`` is the realm id.
"""

from __future__ import annotations

APP = "https://app.qbo.intuit.com/app/"
PAGES = {
    "invoice": APP + "invoice?txnId={id}",
    "quote": APP + "estimate?txnId={id}",
    "payment": APP + "recvpayment?txnId={id}",
    "customer": APP + "customerdetail?nameId={id}",
    "credit_note": APP + "creditmemo?txnId={id}",
    "refund": APP + "refundreceipt?txnId={id}",
}
SANDBOX_PAGES = {
    "invoice": "sandbox:qbo_console_invoice",
    "customer": "sandbox:qbo_console_customer",
}
