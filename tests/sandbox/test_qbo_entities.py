"""The real python-quickbooks client against the sandbox over HTTP."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.account import Account
from quickbooks.objects.base import LinkedTxn, Ref
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer
from quickbooks.objects.deposit import Deposit, DepositLine, DepositLineDetail
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.employee import Employee
from quickbooks.objects.estimate import Estimate
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.paymentmethod import PaymentMethod
from quickbooks.objects.preferences import Preferences
from quickbooks.objects.salesreceipt import SalesReceipt
from quickbooks.objects.taxcode import TaxCode
from quickbooks.objects.taxrate import TaxRate
from quickbooks.objects.timeactivity import TimeActivity

pytestmark = pytest.mark.django_db(transaction=True)


def _ref(value, name="") -> Ref:
    ref = Ref()
    ref.value, ref.name = str(value), name
    return ref


def _line(amount, item_id="1", qty=None, price=None) -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = amount
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = _ref(item_id)
    if qty is not None:
        line.SalesItemLineDetail.Qty = qty
        line.SalesItemLineDetail.UnitPrice = price
    return line


def _customer(qb, name="Nick Brown") -> Customer:
    customer = Customer()
    customer.DisplayName = name
    customer.PrimaryEmailAddr = None
    return customer.save(qb=qb)


def _invoice(qb, customer, *amounts) -> Invoice:
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = [_line(amount) for amount in amounts]
    return invoice.save(qb=qb)


def test_sample_company_is_seeded_like_intuits(qb):
    assert Item.filter(Name="Pest Control", qb=qb)
    assert Item.filter(Name="Services", qb=qb)
    assert Account.filter(Name="Discounts given", qb=qb)
    assert any(a.AccountType == "Income" for a in Account.all(qb=qb))
    assert {"Cash", "Check", "Visa"} <= {m.Name for m in PaymentMethod.all(qb=qb)}
    assert {"TAX", "NON"} <= {c.Id for c in TaxCode.all(qb=qb)}
    assert len(Customer.all(qb=qb)) >= 5
    assert TaxRate.all(qb=qb)


def test_customer_create_read_update_and_sparse_update(qb):
    created = _customer(qb, "Jane Marshall")
    assert created.Id and created.SyncToken == "0"
    assert created.FullyQualifiedName == "Jane Marshall"
    assert created.MetaData["CreateTime"]
    fetched = Customer.get(created.Id, qb=qb)
    fetched.CompanyName = "Marshall Plumbing"
    updated = fetched.save(qb=qb)
    assert updated.SyncToken == "1" and updated.CompanyName == "Marshall Plumbing"
    sparse = Customer()
    sparse.Id, sparse.SyncToken, sparse.sparse = updated.Id, updated.SyncToken, True
    sparse.Notes = "Gate code 1234"
    after = sparse.save(qb=qb)
    assert after.SyncToken == "2"
    assert after.Notes == "Gate code 1234"
    assert after.CompanyName == "Marshall Plumbing"  # kept by the sparse update


def test_stale_sync_token_is_refused_with_5010(qb):
    created = _customer(qb, "Stale Sam")
    first = Customer.get(created.Id, qb=qb)
    second = Customer.get(created.Id, qb=qb)
    first.Notes = "one"
    first.save(qb=qb)
    second.Notes = "two"
    with pytest.raises(QuickbooksException) as raised:
        second.save(qb=qb)
    assert raised.value.error_code == 5010
    assert Customer.get(created.Id, qb=qb).Notes == "one"


def test_display_name_is_unique_across_customers_vendors_and_employees(qb):
    _customer(qb, "Nick Brown")
    with pytest.raises(QuickbooksException) as raised:
        _customer(qb, "nick brown")
    assert raised.value.error_code == 6240
    employee = Employee()
    employee.DisplayName = "Nick Brown"
    with pytest.raises(QuickbooksException) as raised:
        employee.save(qb=qb)
    assert raised.value.error_code == 6240
    # A customer named after a seeded employee is refused too.
    with pytest.raises(QuickbooksException):
        _customer(qb, "Emily Platt")


def test_display_name_is_built_from_the_names_when_omitted(qb):
    customer = Customer()
    customer.GivenName, customer.FamilyName = "Ada", "Lovelace"
    saved = customer.save(qb=qb)
    assert saved.DisplayName == "Ada Lovelace"


def test_missing_object_is_610(qb):
    with pytest.raises(QuickbooksException) as raised:
        Customer.get("99999", qb=qb)
    assert raised.value.error_code == 610


def test_invoice_totals_doc_number_and_customer_name_are_computed(qb):
    customer = _customer(qb)
    invoice = Invoice()
    invoice.CustomerRef = _ref(customer.Id)
    invoice.Line = [_line(0, "10", qty=2, price=35), _line(50)]
    saved = invoice.save(qb=qb)
    assert saved.TotalAmt == 120.0 and saved.Balance == 120.0
    assert saved.DocNumber
    assert saved.CustomerRef.name == "Nick Brown"
    assert saved.Line[0].SalesItemLineDetail.ItemRef.name == "Pest Control"
    assert saved.DueDate and saved.TxnDate
    again = _invoice(qb, customer, 10)
    assert int(again.DocNumber) == int(saved.DocNumber) + 1


def test_payment_reduces_the_linked_invoice_balance_and_void_restores_it(qb):
    customer = _customer(qb)
    invoice = _invoice(qb, customer, 100)
    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = 40
    line = PaymentLine()
    line.Amount = 40
    txn = LinkedTxn()
    txn.TxnId, txn.TxnType = invoice.Id, "Invoice"
    line.LinkedTxn = [txn]
    payment.Line = [line]
    paid = payment.save(qb=qb)
    after = Invoice.get(invoice.Id, qb=qb)
    assert after.Balance == 60.0
    assert after.SyncToken == "1"
    assert Customer.get(customer.Id, qb=qb).Balance == 60.0
    Payment.get(paid.Id, qb=qb).void(qb=qb)
    assert Invoice.get(invoice.Id, qb=qb).Balance == 100.0
    voided = Payment.get(paid.Id, qb=qb)
    assert voided.TotalAmt == 0 and "Voided" in voided.PrivateNote


def test_a_customers_balance_is_the_sum_of_its_open_invoices_and_follows_a_move(qb):
    nick, ann = _customer(qb), _customer(qb, "Ann Fixit")
    first = _invoice(qb, nick, 100.10, 0.25)
    _invoice(qb, nick, 19.99)
    _invoice(qb, ann, 5)
    assert Customer.get(nick.Id, qb=qb).Balance == 120.34
    assert Customer.get(ann.Id, qb=qb).Balance == 5.0
    assert Customer.get(nick.Id, qb=qb).SyncToken == "0"  # QBO keeps the balance quietly
    first.CustomerRef = ann.to_ref()
    first.save(qb=qb)
    assert Customer.get(nick.Id, qb=qb).Balance == 19.99
    assert Customer.get(ann.Id, qb=qb).Balance == 105.35


def test_invoice_void_keeps_the_record_with_zero_amounts(qb):
    invoice = _invoice(qb, _customer(qb), 80)
    Invoice.get(invoice.Id, qb=qb).void(qb=qb)
    voided = Invoice.get(invoice.Id, qb=qb)
    assert voided.TotalAmt == 0 and voided.Balance == 0
    assert "Voided" in voided.PrivateNote
    assert voided.SyncToken == "1"


def test_invoice_delete_marks_it_gone(qb):
    invoice = _invoice(qb, _customer(qb), 80)
    result = Invoice.get(invoice.Id, qb=qb).delete(qb=qb)
    assert result["Invoice"]["status"] == "Deleted"
    with pytest.raises(QuickbooksException) as raised:
        Invoice.get(invoice.Id, qb=qb)
    assert raised.value.error_code == 610


def test_estimate_and_sales_receipt_round_trip(qb):
    customer = _customer(qb)
    estimate = Estimate()
    estimate.CustomerRef = customer.to_ref()
    estimate.Line = [_line(25)]
    saved = estimate.save(qb=qb)
    assert saved.TotalAmt == 25.0 and saved.TxnStatus == "Pending"
    receipt = SalesReceipt()
    receipt.CustomerRef = customer.to_ref()
    receipt.Line = [_line(30)]
    receipt.PaymentMethodRef = PaymentMethod.filter(Name="Cash", qb=qb)[0].to_ref()
    stored = receipt.save(qb=qb)
    assert stored.TotalAmt == 30.0 and stored.Balance == 0
    SalesReceipt.get(stored.Id, qb=qb).void(qb=qb)
    assert SalesReceipt.get(stored.Id, qb=qb).TotalAmt == 0


def test_item_account_and_payment_method_create(qb):
    account = Account()
    account.Name, account.AccountType = "Plumbing income", "Income"
    income = account.save(qb=qb)
    assert income.Classification == "Revenue"
    item = Item()
    item.Name, item.Type, item.UnitPrice = "Drain clearing", "Service", 120
    item.IncomeAccountRef = income.to_ref()
    saved = item.save(qb=qb)
    assert saved.FullyQualifiedName == "Drain clearing" and saved.UnitPrice == 120
    method = PaymentMethod()
    method.Name = "Bank transfer"
    assert method.save(qb=qb).Type == "NON_CREDIT_CARD"


def test_item_without_income_account_is_refused(qb):
    item = Item()
    item.Name, item.Type = "Loose item", "Service"
    with pytest.raises(QuickbooksException) as raised:
        item.save(qb=qb)
    assert raised.value.error_code == 2020


def test_time_activity_for_employee_with_payroll(qb):
    employee = Employee.filter(DisplayName="Emily Platt", qb=qb)[0]
    activity = TimeActivity()
    activity.NameOf = "Employee"
    activity.EmployeeRef = employee.to_ref()
    activity.Hours, activity.Minutes = 2, 30
    activity.TxnDate = "2026-11-20"
    saved = activity.save(qb=qb)
    assert saved.Id and saved.EmployeeRef.name == "Emily Platt"
    assert TimeActivity.get(saved.Id, qb=qb).Hours == 2


def test_time_activity_for_employee_is_refused_without_payroll(qb, qbo_company):
    qbo_company.payroll_enabled = False
    qbo_company.save()
    employee = Employee.filter(DisplayName="Emily Platt", qb=qb)[0]
    activity = TimeActivity()
    activity.NameOf = "Employee"
    activity.EmployeeRef = employee.to_ref()
    activity.Hours = 1
    with pytest.raises(QuickbooksException) as raised:
        activity.save(qb=qb)
    assert raised.value.error_code == 6000
    assert "Payroll" in raised.value.detail


def test_deposit_totals_its_lines(qb):
    deposit = Deposit()
    deposit.DepositToAccountRef = Account.filter(Name="Checking", qb=qb)[0].to_ref()
    line = DepositLine()
    line.Amount = 75
    line.DepositLineDetail = DepositLineDetail()
    line.DepositLineDetail.AccountRef = Account.filter(Name="Services", qb=qb)[0].to_ref()
    deposit.Line = [line]
    saved = deposit.save(qb=qb)
    assert saved.TotalAmt == 75.0


def test_company_info_and_preferences(qb, qbo_company):
    info = CompanyInfo.get(qbo_company.external_id, qb=qb)
    assert info.CompanyName == qbo_company.name and info.Country == "US"
    prefs = Preferences.get(qb=qb)
    assert prefs.CurrencyPrefs.HomeCurrency.value == "USD"


def test_us_tax_is_computed_on_taxable_lines(qb):
    customer = _customer(qb)
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    rocks = Item.filter(Name="Rocks", qb=qb)[0]
    invoice.Line = [_line(100, rocks.Id), _line(50)]
    saved = invoice.save(qb=qb)
    assert saved.Line[0].SalesItemLineDetail.TaxCodeRef.value == "TAX"
    assert saved.TxnTaxDetail.TotalTax == 8.0
    assert saved.TotalAmt == 158.0
    assert Decimal(str(saved.Balance)) == Decimal("158")


def test_invoice_from_an_estimate_closes_it(qb):
    customer = _customer(qb)
    estimate = Estimate()
    estimate.CustomerRef = customer.to_ref()
    estimate.Line = [_line(25)]
    estimate = estimate.save(qb=qb)
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = [_line(25)]
    link = LinkedTxn()
    link.TxnId, link.TxnType = estimate.Id, "Estimate"
    invoice.LinkedTxn = [link]
    saved = invoice.save(qb=qb)
    closed = Estimate.get(estimate.Id, qb=qb)
    assert closed.TxnStatus == "Closed" and closed.SyncToken == "1"
    assert closed.LinkedTxn[0].TxnId == saved.Id


def test_preferences_and_company_info_can_be_updated(qb, qbo_company):
    prefs = Preferences.get(qb=qb)
    prefs.SalesFormsPrefs.CustomTxnNumbers = False
    saved = prefs.save(qb=qb)
    assert saved.SalesFormsPrefs.CustomTxnNumbers is False and saved.SyncToken == "1"
    info = CompanyInfo.get(qbo_company.external_id, qb=qb)
    body = {"Id": info.Id, "SyncToken": info.SyncToken, "sparse": True, "LegalName": "Renamed LLC"}
    answer = qb.post(f"{qb.api_url}/company/{qb.company_id}/companyinfo", json.dumps(body))
    assert answer["CompanyInfo"]["LegalName"] == "Renamed LLC"
