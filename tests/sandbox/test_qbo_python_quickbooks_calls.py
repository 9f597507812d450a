"""Every kind of call the product makes to QuickBooks, made by python-quickbooks itself (no
product code) against the sandbox over HTTP: query, create with requestid, full and sparse
update, batch, change data capture, and void of an invoice and of a payment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from quickbooks.batch import batch_create, batch_update
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.base import Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.estimate import Estimate
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.salesreceipt import SalesReceipt

pytestmark = pytest.mark.django_db(transaction=True)


def _ref(value: str) -> Ref:
    ref = Ref()
    ref.value = value
    return ref


def _line(qty, price, amount, item="10") -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = amount
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = _ref(item)
    line.SalesItemLineDetail.Qty = qty
    line.SalesItemLineDetail.UnitPrice = price
    return line


def _customer(qb, name: str) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    return customer.save(qb=qb, request_id=f"create-{name}")


def _invoice(qb, customer: Customer, *lines) -> Invoice:
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = list(lines)
    return invoice.save(qb=qb)


def test_query_reads_the_sample_company(qb):
    assert Item.filter(Name="Pest Control", qb=qb)[0].Id == "10"
    page = qb.query("select * from Customer startposition 1 maxresults 1000")
    assert len(page["QueryResponse"]["Customer"]) >= 10
    assert Customer.count("Active = true", qb=qb) >= 10


def test_create_with_the_same_requestid_answers_the_first_record(qb):
    first = _customer(qb, "Once Only")
    again = Customer()
    again.DisplayName = "Once Only"
    repeat = again.save(qb=qb, request_id="create-Once Only")
    assert repeat.Id == first.Id


def test_invoice_lines_with_amount_equal_to_qty_times_price_are_created(qb):
    customer = _customer(qb, "Line Keeper")
    invoice = _invoice(qb, customer, _line(3, Decimal("3.335"), Decimal("10.01")))
    assert invoice.TotalAmt == 10.01
    bad = Invoice()
    bad.CustomerRef = customer.to_ref()
    bad.Line = [_line(3, Decimal("3.335"), Decimal("10.02"))]
    with pytest.raises(QuickbooksException) as raised:
        bad.save(qb=qb)
    assert raised.value.error_code == 6070


def test_full_update_and_sparse_update(qb):
    customer = _customer(qb, "Updated Twice")
    fresh = Customer.get(customer.Id, qb=qb)
    fresh.CompanyName = "Updated Co"
    full = fresh.save(qb=qb)
    assert full.SyncToken == "1" and full.CompanyName == "Updated Co"
    sparse = Customer()
    sparse.Id, sparse.SyncToken, sparse.sparse = full.Id, full.SyncToken, True
    sparse.Notes = "sparse"
    after = sparse.save(qb=qb)
    assert after.Notes == "sparse" and after.CompanyName == "Updated Co"
    stale = Customer()
    stale.Id, stale.SyncToken, stale.sparse = full.Id, "0", True
    with pytest.raises(QuickbooksException) as raised:
        stale.save(qb=qb)
    assert raised.value.error_code == 5010


def test_estimate_sales_receipt_and_payment_are_created(qb):
    customer = _customer(qb, "Many Forms")
    estimate = Estimate()
    estimate.CustomerRef = customer.to_ref()
    estimate.Line = [_line(1, 35, 35)]
    assert estimate.save(qb=qb).TotalAmt == 35.0
    receipt = SalesReceipt()
    receipt.CustomerRef = customer.to_ref()
    receipt.Line = [_line(2, 35, 70)]
    assert receipt.save(qb=qb).Balance == 0.0
    invoice = _invoice(qb, customer, _line(1, 100, 100, item="1"))
    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = 40
    line = PaymentLine()
    line.Amount = 40
    line.LinkedTxn = [invoice.to_linked_txn()]
    payment.Line = [line]
    paid = payment.save(qb=qb)
    assert Invoice.get(invoice.Id, qb=qb).Balance == 60.0
    Payment.get(paid.Id, qb=qb).void(qb=qb)
    assert Invoice.get(invoice.Id, qb=qb).Balance == 100.0


def test_invoice_void_keeps_it_with_zero_amounts(qb):
    customer = _customer(qb, "Void Me")
    invoice = _invoice(qb, customer, _line(2, 35, 70))
    Invoice.get(invoice.Id, qb=qb).void(qb=qb)
    voided = Invoice.get(invoice.Id, qb=qb)
    assert voided.TotalAmt == 0 and voided.Balance == 0 and "Voided" in voided.PrivateNote


def test_batch_create_and_update(qb):
    made = []
    for name in ("Batch One", "Batch Two"):
        customer = Customer()
        customer.DisplayName = name
        made.append(customer)
    created = batch_create(made, qb=qb)
    assert not created.faults and len(created.successes) == 2
    for customer in created.successes:
        customer.Notes = "batched"
    updated = batch_update(created.successes, qb=qb)
    assert not updated.faults
    assert {Customer.get(c.Id, qb=qb).Notes for c in created.successes} == {"batched"}


def test_change_data_capture_lists_what_changed(qb):
    since = timezone.now() - timedelta(seconds=1)
    customer = _customer(qb, "Captured")
    invoice = _invoice(qb, customer, _line(1, 35, 35))
    changes = change_data_capture([Customer, Invoice], since, qb=qb)
    assert customer.Id in {c.Id for c in changes.Customer}
    assert [i.Id for i in changes.Invoice] == [invoice.Id]
