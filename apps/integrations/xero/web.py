"""Where a record is on Xero's own web pages, for "open in Xero" links.

Xero's deep links (https://developer.xero.com/documentation/api-guides/deep-link-xero):
an invoice is ``https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=ID`` and a contact
``https://go.xero.com/Contacts/View/ID`` (the "new UI view" that page recommends). Both open in
the organisation the user last used; Xero's organisation short code would pick the organisation
too, but the hub does not keep it. Quotes, payments and items have no documented deep link: no
link.

With the local sandbox served, the sandbox console's page of the record instead, where it has
one: contacts and invoices (docs/sandbox-xero.md). ``{company}`` is the tenant id.
"""

from __future__ import annotations

GO = "https://go.xero.com"
PAGES = {
    "invoice": GO + "/AccountsReceivable/View.aspx?InvoiceID={id}",
    "customer": GO + "/Contacts/View/{id}",
}
SANDBOX_PAGES = {
    "invoice": "sandbox:xero_console_invoice",
    "customer": "sandbox:xero_console_contact",
}
