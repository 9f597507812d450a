"""Where a record is on MYOB's own pages, for "open in MYOB" links.

MYOB documents no deep link to a record in MYOB Business or AccountRight: its API reference
(https://developer.myob.com/apis/business/v2/) gives each record's API ``URI`` only, which a
browser cannot open. So no link to MYOB itself.

With the local sandbox served, the sandbox console's page of the record instead, where it has
one: customer cards and invoices (docs/sandbox-myob.md). ``{company}`` is the company file id.
"""

from __future__ import annotations

PAGES: dict[str, str] = {}
SANDBOX_PAGES = {
    "invoice": "sandbox:myob_console_invoice",
    "customer": "sandbox:myob_console_customer",
}
