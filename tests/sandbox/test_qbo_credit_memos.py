"""The QuickBooks sandbox's CreditMemo and RefundReceipt, over real HTTP, as Intuit defines them
(docs/sandbox-quickbooks.md, "Credit memos and refund receipts")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)


def _ok(answer: requests.Response, entity: str) -> dict:
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()[entity]


def _error(answer: requests.Response) -> dict:
    assert answer.status_code == 400, answer.text[:500]
    return answer.json()["Fault"]["Error"][0]


def _line(amount, *, qty=None, price=None) -> dict:
    detail = {"ItemRef": {"value": "1"}}
    if qty is not None:
        detail.update(Qty=qty, UnitPrice=price)
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


@pytest.fixture
def customer(raw) -> dict:
    return _ok(raw.post("customer", {"DisplayName": "Credit Customer"}), "Customer")


def _invoice(raw, customer, *amounts) -> dict:
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": [_line(a) for a in amounts]}
    return _ok(raw.post("invoice", body), "Invoice")


def _memo(raw, customer, *amounts) -> dict:
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": [_line(a) for a in amounts]}
    return _ok(raw.post("creditmemo", body), "CreditMemo")


def _apply(raw, customer, invoice_id, memo_id, amount, total=0):
    return raw.post(
        "payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": total,
            "Line": [
                {"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]},
                {"Amount": amount, "LinkedTxn": [{"TxnId": memo_id, "TxnType": "CreditMemo"}]},
            ],
        },
    )


def test_a_credit_memo_is_a_sales_document_with_its_remaining_credit(raw, customer):
    memo = _memo(raw, customer, 40, 10)
    assert memo["TotalAmt"] == 50.0 and memo["RemainingCredit"] == 50.0
    assert memo["DocNumber"]
    assert _error(raw.post("creditmemo", {"CustomerRef": {"value": customer["Id"]}}))[
        "Message"
    ].startswith("Required param missing")
    assert _error(raw.post("creditmemo", {"Line": [_line(5)]}))["code"] == "2020"


def test_a_credit_memo_line_must_be_qty_times_price_6070(raw, customer):
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": [_line(10.01, qty=2, price=5)]}
    assert _error(raw.post("creditmemo", body))["code"] == "6070"


def test_a_zero_payment_linking_invoice_and_credit_memo_applies_the_credit(raw, customer):
    invoice = _invoice(raw, customer, 100)
    memo = _memo(raw, customer, 30)
    payment = _ok(_apply(raw, customer, invoice["Id"], memo["Id"], 30), "Payment")
    assert payment["TotalAmt"] == 0.0 and payment["UnappliedAmt"] == 0.0
    invoice = _ok(raw.get(f"invoice/{invoice['Id']}"), "Invoice")
    memo = _ok(raw.get(f"creditmemo/{memo['Id']}"), "CreditMemo")
    assert invoice["Balance"] == 70.0
    assert memo["RemainingCredit"] == 0.0
    assert {"TxnId": payment["Id"], "TxnType": "Payment"} in memo["LinkedTxn"]


def test_more_credit_than_the_memo_has_left_is_refused(raw, customer):
    invoice = _invoice(raw, customer, 100)
    memo = _memo(raw, customer, 30)
    assert (
        "remaining credit" in _error(_apply(raw, customer, invoice["Id"], memo["Id"], 31))["Detail"]
    )
    assert _ok(raw.get(f"invoice/{invoice['Id']}"), "Invoice")["Balance"] == 100.0


def test_credit_cannot_pay_more_than_the_invoice_owes(raw, customer):
    invoice = _invoice(raw, customer, 20)
    memo = _memo(raw, customer, 30)
    assert "open balance" in _error(_apply(raw, customer, invoice["Id"], memo["Id"], 25))["Detail"]


def test_another_customers_credit_memo_is_refused(raw, customer):
    other = _ok(raw.post("customer", {"DisplayName": "Someone Else"}), "Customer")
    invoice = _invoice(raw, customer, 100)
    memo = _memo(raw, other, 30)
    assert (
        "another customer" in _error(_apply(raw, customer, invoice["Id"], memo["Id"], 30))["Detail"]
    )


def test_an_applied_credit_memo_cannot_be_deleted_until_its_payment_is(raw, customer):
    invoice = _invoice(raw, customer, 100)
    memo = _memo(raw, customer, 30)
    payment = _ok(_apply(raw, customer, invoice["Id"], memo["Id"], 30), "Payment")
    body = {"Id": memo["Id"], "SyncToken": "1"}
    assert _error(raw.post("creditmemo", body, params={"operation": "delete"}))["code"] == "6480"
    _ok(
        raw.post(
            "payment",
            {"Id": payment["Id"], "SyncToken": payment["SyncToken"]},
            params={"operation": "delete"},
        ),
        "Payment",
    )
    assert _ok(raw.get(f"invoice/{invoice['Id']}"), "Invoice")["Balance"] == 100.0
    memo = _ok(raw.get(f"creditmemo/{memo['Id']}"), "CreditMemo")
    assert memo["RemainingCredit"] == 30.0
    deleted = raw.post(
        "creditmemo",
        {"Id": memo["Id"], "SyncToken": memo["SyncToken"]},
        params={"operation": "delete"},
    )
    assert deleted.status_code == 200, deleted.text


def test_a_refund_receipt_needs_the_account_the_money_is_paid_from(raw, customer):
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": [_line(25)]}
    assert _error(raw.post("refundreceipt", body))["code"] == "2020"
    income = raw.get(
        "query", params={"query": "select * from Account where AccountType = 'Income'"}
    )
    income_id = income.json()["QueryResponse"]["Account"][0]["Id"]
    wrong = {**body, "DepositToAccountRef": {"value": income_id}}
    assert "Bank or Other Current Asset" in _error(raw.post("refundreceipt", wrong))["Detail"]
    right = {**body, "DepositToAccountRef": {"value": "35"}}
    receipt = _ok(raw.post("refundreceipt", right), "RefundReceipt")
    assert receipt["TotalAmt"] == 25.0 and receipt["Balance"] == 0.0
    no_lines = {"CustomerRef": {"value": customer["Id"]}, "DepositToAccountRef": {"value": "35"}}
    assert _error(raw.post("refundreceipt", no_lines))["code"] == "2020"


def test_credit_memos_and_refund_receipts_come_back_in_change_data_capture(raw, customer):
    memo = _memo(raw, customer, 12)
    since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = raw.get("cdc", params={"entities": "CreditMemo,RefundReceipt", "changedSince": since})
    assert answer.status_code == 200, answer.text[:300]
    responses = answer.json()["CDCResponse"][0]["QueryResponse"]
    memos = [r for r in responses if "CreditMemo" in r]
    assert memo["Id"] in {m["Id"] for m in memos[0]["CreditMemo"]}
