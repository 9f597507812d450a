"""Every QBO entity the sandbox serves, through python-quickbooks: create (with requestid
replay), read, sparse update, full update, query, change data capture, and delete or deactivate."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone
from quickbooks.cdc import change_data_capture
from quickbooks.objects.account import Account
from quickbooks.objects.customer import Customer
from quickbooks.objects.deposit import Deposit, DepositLine, DepositLineDetail
from quickbooks.objects.employee import Employee
from quickbooks.objects.estimate import Estimate
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment
from quickbooks.objects.paymentmethod import PaymentMethod
from quickbooks.objects.salesreceipt import SalesReceipt
from quickbooks.objects.timeactivity import TimeActivity
from quickbooks.objects.vendor import Vendor

from .test_qbo_entities import _line, _ref

pytestmark = pytest.mark.django_db(transaction=True)


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def _account(qb, name: str):
    return Account.filter(Name=name, qb=qb)[0].to_ref()


def build(cls, qb):
    obj = cls()
    if cls in (Customer, Vendor):
        obj.DisplayName = _unique("Party")
    elif cls is Employee:
        obj.GivenName, obj.FamilyName = "Pat", _unique("Worker")
    elif cls is Item:
        obj.Name, obj.Type, obj.UnitPrice = _unique("Item"), "Service", 45
        obj.IncomeAccountRef = _account(qb, "Services")
    elif cls is Account:
        obj.Name, obj.AccountType = _unique("Income"), "Income"
    elif cls is PaymentMethod:
        obj.Name = _unique("Method")
    elif cls in (Invoice, Estimate, SalesReceipt):
        obj.CustomerRef = _ref("1")
        obj.Line = [_line(60)]
    elif cls is Payment:
        obj.CustomerRef, obj.TotalAmt = _ref("1"), 15
    elif cls is TimeActivity:
        obj.NameOf, obj.Hours = "Employee", 3
        obj.EmployeeRef = Employee.filter(DisplayName="Emily Platt", qb=qb)[0].to_ref()
    elif cls is Deposit:
        obj.DepositToAccountRef = _account(qb, "Checking")
        line = DepositLine()
        line.Amount = 90
        line.DepositLineDetail = DepositLineDetail()
        line.DepositLineDetail.AccountRef = _account(qb, "Services")
        obj.Line = [line]
    return obj


# The text field each entity's updates change.
FIELD = {
    Customer: "Notes",
    Vendor: "AcctNum",
    Employee: "EmployeeNumber",
    Item: "Description",
    Account: "Description",
    PaymentMethod: "Name",
    Invoice: "PrivateNote",
    Estimate: "PrivateNote",
    SalesReceipt: "PrivateNote",
    Payment: "PrivateNote",
    TimeActivity: "Description",
    Deposit: "PrivateNote",
}
DELETABLE = {Invoice, Estimate, SalesReceipt, Payment, TimeActivity, Deposit}
NO_CDC = {TimeActivity}


@pytest.mark.parametrize("cls", list(FIELD), ids=lambda cls: cls.qbo_object_name)
def test_entity_round_trip(qb, cls):
    since = timezone.now()
    field = FIELD[cls]
    request_id = f"test-{cls.qbo_object_name}-{uuid.uuid4().hex[:10]}"
    created = build(cls, qb).save(qb=qb, request_id=request_id)
    replay = build(cls, qb).save(qb=qb, request_id=request_id)
    assert replay.Id == created.Id and created.SyncToken == "0"

    sparse = cls()
    sparse.Id, sparse.SyncToken, sparse.sparse = created.Id, "0", True
    setattr(sparse, field, _unique("sparse"))
    after_sparse = sparse.save(qb=qb)
    assert after_sparse.SyncToken == "1"
    assert getattr(after_sparse, field) == getattr(sparse, field)

    full = cls.get(created.Id, qb=qb)
    setattr(full, field, _unique("full"))
    after_full = full.save(qb=qb)
    assert after_full.SyncToken == "2"
    assert getattr(cls.get(created.Id, qb=qb), field) == getattr(full, field)

    assert created.Id in {obj.Id for obj in cls.choose([created.Id], qb=qb)}
    if cls not in NO_CDC:
        changed = getattr(change_data_capture([cls], since, qb=qb), cls.qbo_object_name)
        assert created.Id in {obj.Id for obj in changed}

    current = cls.get(created.Id, qb=qb)
    if cls in DELETABLE:
        current.delete(qb=qb)
    else:
        current.Active = False
        current.save(qb=qb)
    assert not cls.choose([created.Id], qb=qb)
