"""What a pulled difference becomes in the hub, without a ledger: the form last exchanged, a
pulled document, and the plan the engine hands to the invoice services."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from apps.common.documents import compute_totals
from apps.common.lines import LineInput
from apps.integrations.contract import RemoteDocument, RemoteLine
from apps.sync.exchanged import difference, form_of
from apps.sync.round_trips import plan_adjustment, plan_changes

pytestmark = pytest.mark.django_db

SOURCE = "QuickBooks Online"


@pytest.fixture
def invoice(hub):
    from apps.invoices.services import invoice_update

    invoice = hub.invoice()
    return invoice_update(
        invoice=invoice,
        lines=[
            LineInput("Boiler service", Decimal("3"), Decimal("412.50"), Decimal("5")),
            LineInput("Valve", Decimal("2"), Decimal("189.99")),
        ],
        discount_percent=Decimal("10"),
        tax_rate=Decimal("5.5"),
    )


def folded(invoice, **changes) -> RemoteDocument:
    """The invoice as a ledger that folds tax and discounts into prices holds it."""
    lines = [
        RemoteLine(
            line.description,
            line.quantity,
            (line.amount * Decimal("0.9495")) / line.quantity,
            taxable=False,
        )
        for line in invoice.lines.all()
    ]
    document = RemoteDocument(
        kind="invoice",
        remote_id="77",
        remote_version="0",
        customer_remote_id="5",
        number=invoice.number,
        issue_date=invoice.issue_date,
        status="sent",
        currency="USD",
        lines=lines,
        due_date=invoice.due_date,
        total=invoice.total,
    )
    return replace(document, **changes)


def plan_for(invoice, stored, pulled):
    return plan_changes(
        invoice,
        difference(form_of(stored), pulled),
        form_of(stored),
        customer=invoice.customer,
        end_field="due_date",
        source=SOURCE,
    )


def test_quantity_changed_in_a_folded_ledger_keeps_every_hub_rate(invoice):
    stored = folded(invoice)
    lines = list(stored.lines)
    lines[1] = replace(lines[1], quantity=Decimal("4"))
    plan = plan_for(invoice, stored, replace(stored, lines=lines))
    assert not plan.lossy and not plan.header
    assert [(ln.quantity, ln.unit_price, ln.discount_percent, ln.taxable) for ln in plan.lines] == [
        (Decimal("3"), Decimal("412.50"), Decimal("5.00"), True),
        (Decimal("4"), Decimal("189.99"), Decimal("0.00"), True),
    ]


def test_folded_price_edited_is_not_guessed_but_adjusted_to_the_ledgers_total(invoice):
    stored = folded(invoice)
    lines = list(stored.lines)
    lines[0] = replace(lines[0], unit_price=Decimal("400"))
    pulled = replace(stored, lines=lines, total=invoice.total + Decimal("12.34"))
    plan = plan_for(invoice, stored, pulled)
    assert plan.lossy == ["the price of line 1"]
    assert plan.lines[0].unit_price == Decimal("412.50")
    plan_adjustment(plan, source=SOURCE, target_total=pulled.total)
    [adjustment] = plan.adjustments
    assert adjustment.description == "Adjustment to match QuickBooks Online"
    totals = compute_totals(
        [*plan.lines, adjustment], discount_percent=Decimal("10"), tax_rate=Decimal("5.5")
    )
    assert totals.total == pulled.total


def test_same_document_with_a_newer_version_is_no_difference(invoice):
    stored = folded(invoice)
    assert not difference(form_of(stored), replace(stored, remote_version="9"))


def test_payment_in_the_ledger_is_no_change_to_the_invoice(invoice):
    stored = folded(invoice)
    paid = replace(stored, status="partially_paid", amount_paid=Decimal("500"), remote_version="3")
    plan = plan_for(invoice, stored, paid)
    assert plan.status is None and not plan.applied and not plan.lossy


def test_line_added_where_the_document_discount_is_folded_into_lines_keeps_its_own_share(
    invoice,
):
    stored = folded(invoice)
    extra = RemoteLine(
        "Extra fitting", Decimal("1"), Decimal("40"), discount_percent=Decimal("14.5")
    )
    plan = plan_for(invoice, stored, replace(stored, lines=[*stored.lines, extra]))
    assert plan.lines[-1].description == "Extra fitting"
    assert plan.lines[-1].discount_percent == Decimal("5.00")  # 14.5 % = 5 % then 10 %


def test_line_removed_in_the_ledger_is_removed_in_the_hub(invoice):
    stored = folded(invoice)
    plan = plan_for(invoice, stored, replace(stored, lines=stored.lines[:1]))
    assert [line.description for line in plan.lines] == ["Boiler service"]
    assert plan.applied == ["line 2 removed"]


def test_fixed_discount_over_changed_lines_is_not_a_new_discount_rate(invoice):
    stored = replace(folded(invoice), discount_percent=Decimal("10"), discount_amount=Decimal("1"))
    pulled = replace(stored, discount_percent=Decimal("8.91"))
    assert not difference(form_of(stored), pulled)


def linked(connect, invoice, stored):
    from apps.sync.fingerprints import fingerprint
    from apps.sync.models import Link

    integration = connect("quickbooks")
    Link.objects.create(
        integration=integration,
        kind="invoice",
        object_id=invoice.pk,
        remote_id=stored.remote_id,
        remote_version=stored.remote_version,
        fingerprint=fingerprint("invoice", invoice),
        exchanged=form_of(stored),
        created_by="hub",
    )
    return integration


def test_quantity_pulled_goes_through_the_invoice_service_to_the_others_only(connect, invoice):
    from apps.sync.apply import linked_document_apply, remote_link
    from apps.sync.models import Change

    stored = folded(invoice)
    qbo = linked(connect, invoice, stored)
    xero = connect("xero")
    lines = [stored.lines[0], replace(stored.lines[1], quantity=Decimal("4"))]
    pulled = replace(stored, lines=lines, remote_version="1")
    link = remote_link(qbo, "invoice", stored.remote_id)
    document, message = linked_document_apply(qbo, link, pulled, invoice.customer)
    assert message.startswith("Updated: the quantity of line 2 → 4")
    assert [line.quantity for line in document.lines.all()] == [3, 4]
    assert document.tax_rate == Decimal("5.5") and document.discount_percent == Decimal("10")
    assert Change.objects.filter(integration=xero, object_id=invoice.pk).exists()
    link.refresh_from_db()
    assert link.remote_version == "1" and link.exchanged == form_of(pulled)


def test_change_pulled_for_an_invoice_cancelled_in_the_hub_is_not_applied(connect, invoice):
    from apps.invoices.services import invoice_cancel
    from apps.sync.apply import Skipped, linked_document_apply, remote_link

    stored = folded(invoice)
    qbo = linked(connect, invoice, stored)
    invoice_cancel(invoice=invoice)
    pulled = replace(stored, due_date=None, remote_version="1")
    with pytest.raises(Skipped):
        linked_document_apply(qbo, remote_link(qbo, "invoice", "77"), pulled, invoice.customer)
    invoice.refresh_from_db()
    assert invoice.due_date is not None


def test_tax_rate_worked_out_again_over_changed_lines_is_rounding_not_a_new_rate(invoice):
    stored = replace(folded(invoice), tax_rate=Decimal("5.5"))
    lines = [stored.lines[0], replace(stored.lines[1], quantity=Decimal("1"))]
    plan = plan_for(invoice, stored, replace(stored, lines=lines, tax_rate=Decimal("5.47")))
    assert "tax_rate" not in plan.header and not plan.lossy


def test_tax_rate_changed_in_the_ledger_is_taken_where_the_ledger_carries_it(invoice):
    stored = replace(folded(invoice), tax_rate=Decimal("5.5"))
    plan = plan_for(invoice, stored, replace(stored, tax_rate=Decimal("7")))
    assert plan.header == {"tax_rate": Decimal("7")}
