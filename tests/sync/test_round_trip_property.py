"""Generated invoices sent to QuickBooks Online and Xero over HTTP, then one edit made in a ledger
(a quantity, a new line, the due date, a payment), pulled and fanned out: the hub keeps every
field the edit did not touch, and the hub, QuickBooks and Xero end on the same total to the cent
(docs/round-trips.md, docs/money.md).

CI runs a small example database; ``ROUND_TRIP_EXAMPLES=100`` (an environment variable) runs a
long one for people.
"""

from __future__ import annotations

import itertools
import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from apps.common.adjustments import ADJUSTMENT_PREFIX
from apps.common.lines import LineInput
from apps.customers.services import customer_create
from apps.integrations.quickbooks.client import QuickBooksClient
from apps.integrations.xero.client import XeroClient
from apps.invoices.models import Invoice
from apps.invoices.services import invoice_create, invoice_send
from apps.sync.models import Link
from apps.sync.pull import pull
from tests.providers.test_money_property import (
    _decimals,
    assert_every_line_is_quantity_times_price,
    documents,
    lines,
)
from tests.sync.test_end_to_end import drain_until_done
from tests.sync.test_round_trips import (
    connect_both,
    in_quickbooks_change_quantity,
    qbo_invoice,
    remote_id,
    totals_everywhere,
    xero_invoice,
)

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("ROUND_TRIP_EXAMPLES", "6"))
# The region names of test_money_property's strategies, as test_round_trips names them.
REGION_NAMES = {"us": "us", "ca": "canada", "global": "global", "au": "australia"}

edits = st.one_of(
    st.tuples(st.just("quantity in quickbooks"), st.integers(0, 29), lines.map(lambda ln: ln[1])),
    st.tuples(st.just("line added in xero"), lines.map(lambda ln: ln[1]), st.integers(1, 50000)),
    st.tuples(st.just("due date"), st.sampled_from(["quickbooks", "xero"]), st.integers(1, 60)),
    st.tuples(st.just("payment in quickbooks"), st.integers(1, 100)),
)


def sent_everywhere(sandboxes, document: dict, number: int):
    """The generated document as a hub invoice, sent, and pushed to both ledgers."""
    org, (qbo, xero) = connect_both(sandboxes, REGION_NAMES[document["region"]])
    customer = customer_create(organisation=org, given_name="Nick", family_name=f"Brown {number}")
    today = timezone.localdate()
    invoice = invoice_create(
        organisation=org,
        lines=[
            LineInput(description=d, quantity=q, unit_price=p, discount_percent=ld, taxable=t)
            for d, q, p, ld, t in document["lines"]
        ],
        customer=customer,
        issue_date=today,
        due_date=today + timedelta(days=14),
        currency=org.currency,
        discount_percent=document["discount"],
        tax_rate=document["tax"],
    )
    invoice = invoice_send(invoice=invoice)
    drain_until_done(qbo), drain_until_done(xero)
    pull(qbo), pull(xero)  # the first full scans, which bring the sample companies' records in
    return invoice, qbo, xero


def structure(invoice) -> dict:
    """What no edit of quantity, due date or payment may lose: each line's description, discount
    and tax flag, the document discount and the tax rate (an adjustment line is left out: the
    rules allow one, visibly)."""
    invoice.refresh_from_db()
    return {
        "lines": [
            (line.description, line.discount_percent, line.taxable)
            for line in invoice.lines.all()
            if not line.description.startswith(ADJUSTMENT_PREFIX)
        ],
        "discount": invoice.discount_percent,
        "tax": invoice.tax_rate,
    }


def edit_in_a_ledger(invoice, qbo, xero, edit: tuple, key: str):
    """Make ``edit`` in its ledger; return that ledger's integration."""
    kind = edit[0]
    if kind == "quantity in quickbooks":
        _, position, quantity = edit
        in_quickbooks_change_quantity(
            qbo, invoice, position=position % invoice.lines.count(), quantity=quantity
        )
        return qbo
    if kind == "line added in xero":
        _, quantity, cents = edit
        data = xero_invoice(xero, invoice)
        first = data["LineItems"][0]
        data["LineItems"].append(
            {
                "Description": "Extra fitting",
                "Quantity": float(quantity),
                "UnitAmount": float(Decimal(cents).scaleb(-2)),
                "AccountCode": first["AccountCode"],
                "TaxType": first["TaxType"],
            }
        )
        XeroClient(xero).update("Invoices", data["InvoiceID"], {"LineItems": data["LineItems"]})
        return xero
    if kind == "due date":
        _, ledger, days = edit
        later = (invoice.due_date + timedelta(days=days)).isoformat()
        if ledger == "quickbooks":
            data = qbo_invoice(qbo, invoice)
            data["DueDate"] = later
            QuickBooksClient(qbo).update("Invoice", data)
            return qbo
        XeroClient(xero).update("Invoices", remote_id(xero, invoice), {"DueDate": later})
        return xero
    _, percent = edit
    amount = max(Decimal("0.01"), (invoice.total * percent / 100).quantize(Decimal("0.01")))
    customer = Link.objects.get(integration=qbo, kind="customer", object_id=invoice.customer_id)
    QuickBooksClient(qbo).create(
        "Payment",
        {
            "CustomerRef": {"value": customer.remote_id},
            "TotalAmt": float(amount),
            "Line": [
                {
                    "Amount": float(amount),
                    "LinkedTxn": [{"TxnId": remote_id(qbo, invoice), "TxnType": "Invoice"}],
                }
            ],
        },
        key=key,
    )
    return qbo


def settle(source, qbo, xero) -> None:
    """Pull the edit from its ledger, then let every outbox drain (the hub's fan-out)."""
    pull(source)
    other = xero if source == qbo else qbo
    drain_until_done(other), drain_until_done(source)


def expected_structure(before: dict, invoice, edit: tuple) -> dict:
    if edit[0] != "line added in xero":
        return before
    added = invoice.lines.exclude(description__startswith=ADJUSTMENT_PREFIX).last()
    assert added.description == "Extra fitting"
    # The new line's own discount is what is left of Xero's once the document discount is taken
    # out, and its tax flag is the copied TaxType's: both are checked by the named tests.
    return {**before, "lines": [*before["lines"], structure(invoice)["lines"][-1]]}


def test_an_edit_in_either_ledger_keeps_every_hub_field_and_equal_totals(sandboxes):
    numbers = itertools.count(1)

    @settings(max_examples=EXAMPLES, deadline=None, database=None)
    @given(documents(), edits)
    def check(document, edit):
        number = next(numbers)
        invoice, qbo, xero = sent_everywhere(sandboxes, document, number)
        if edit[0] == "payment in quickbooks":
            assume(invoice.total > 0)
        before = structure(invoice)
        source = edit_in_a_ledger(invoice, qbo, xero, edit, key=f"round-trip-pay-{number}")
        settle(source, qbo, xero)

        assert structure(invoice) == expected_structure(before, invoice, edit)
        hub, in_qbo, in_xero = totals_everywhere(invoice, qbo, xero)
        assert hub == in_qbo == in_xero
        assert_every_line_is_quantity_times_price(
            {
                "Line": [
                    _decimals(line)
                    for line in qbo_invoice(qbo, invoice)["Line"]
                    if "SalesItemLineDetail" in line
                ]
            }
        )
        if edit[0] == "quantity in quickbooks":
            _, position, quantity = edit
            assert invoice.lines.all()[position % len(before["lines"])].quantity == quantity
        if edit[0] == "due date":
            assert invoice.due_date == timezone.localdate() + timedelta(days=14 + edit[2])
        if edit[0] == "payment in quickbooks":
            assert invoice.amount_paid > 0
            assert invoice.status in (Invoice.Status.PARTIALLY_PAID, Invoice.Status.PAID)

    check()


ZERO_RATED_CANADA = {
    "kind": "invoice",
    "region": "ca",
    "lines": [
        ("Call-out", Decimal("1"), Decimal("610"), Decimal("0"), True),
        ("Parts", Decimal("6"), Decimal("429"), Decimal("0"), False),
    ],
    "discount": Decimal("5"),
    "tax": Decimal("0"),
}


def test_payment_in_quickbooks_canada_keeps_taxable_lines_of_a_zero_rated_invoice(sandboxes):
    """Found by the property above: at 0 % the taxable line carries a zero-rated code, and the
    push's answer must be read with the company's codes as a pull reads it, or the pull takes
    the code for an edit of the taxable flag."""
    invoice, qbo, xero = sent_everywhere(sandboxes, ZERO_RATED_CANADA, 1)
    before = structure(invoice)
    edit = ("payment in quickbooks", 1)
    settle(edit_in_a_ledger(invoice, qbo, xero, edit, key="zero-rated-pay"), qbo, xero)
    assert structure(invoice) == before
