"""Customer credits in the MYOB sandbox over HTTP: a negative sale invoice, applied to an
invoice with Sale/CreditSettlement and paid back with Sale/CreditRefund, with the rules MYOB
holds (docs/sandbox-myob.md, "Credit notes")."""

from __future__ import annotations

import pytest

from tests.sandbox.myob_fixtures import *  # noqa: F403 (fixtures)
from tests.sandbox.myob_helpers import customer_body, error_names, service_invoice

pytestmark = pytest.mark.django_db(transaction=True)


def bank(myob, display_id="1-1110") -> dict:
    return myob.one("GeneralLedger/Account", **{"$filter": f"DisplayID eq '{display_id}'"})


@pytest.fixture
def sale(myob):
    """A customer with an invoice of 110.00 and a credit of 33.00 (30.00 + GST)."""
    customer = myob.created("Contact/Customer", customer_body(myob))
    invoice = myob.created(
        "Sale/Invoice/Service", service_invoice(myob, customer["UID"], 100, Number="INV-1")
    )
    credit = myob.created(
        "Sale/Invoice/Service", service_invoice(myob, customer["UID"], -30, Number="CN-1")
    )
    return customer, invoice, credit


def settlement(customer, credit, invoice, amount, **changes) -> dict:
    body = {
        "CreditFromInvoice": {"UID": credit["UID"]},
        "Customer": {"UID": customer["UID"]},
        "Date": "2026-12-02",
        "CreditAmount": amount,
        "Lines": [{"Type": "Invoice", "Sale": {"UID": invoice["UID"]}, "AmountApplied": amount}],
    }
    return {**body, **changes}


def refund(myob, customer, credit, amount, **changes) -> dict:
    body = {
        "Account": {"UID": bank(myob)["UID"]},
        "Invoice": {"UID": credit["UID"]},
        "Customer": {"UID": customer["UID"]},
        "Date": "2026-12-03",
        "Amount": amount,
        "Memo": "Refund to card",
    }
    return {**body, **changes}


def read(myob, row) -> dict:
    return myob.one("Sale/Invoice", **{"$filter": f"UID eq guid'{row['UID']}'"})


def test_a_negative_sale_invoice_is_a_credit_with_its_credit_left_as_a_negative_balance(sale):
    _, _, credit = sale
    assert credit["TotalAmount"] == -33.0 and credit["TotalTax"] == -3.0
    assert credit["Status"] == "Credit" and credit["BalanceDueAmount"] == -33.0


def test_a_settlement_lowers_the_invoice_balance_and_the_credit_left(myob, sale):
    customer, invoice, credit = sale
    made = myob.created("Sale/CreditSettlement", settlement(customer, credit, invoice, 20))
    assert made["CreditAmount"] == 20.0 and made["Number"].startswith("CS")
    assert made["Lines"][0]["Sale"]["Number"] == "INV-1"
    assert read(myob, invoice)["BalanceDueAmount"] == 90.0
    assert read(myob, credit)["BalanceDueAmount"] == -13.0
    found = myob.one(
        "Sale/CreditSettlement", **{"$filter": f"CreditFromInvoice/UID eq guid'{credit['UID']}'"}
    )
    assert found["UID"] == made["UID"]


def test_settling_the_whole_balance_closes_the_invoice_and_deleting_gives_it_back(myob, sale):
    customer, invoice, _ = sale
    big = myob.created(
        "Sale/Invoice/Service", service_invoice(myob, customer["UID"], -100, Number="CN-2")
    )
    made = myob.created("Sale/CreditSettlement", settlement(customer, big, invoice, 110))
    assert read(myob, invoice)["Status"] == "Closed"
    assert myob.delete(f"Sale/CreditSettlement/{made['UID']}").status_code == 200
    assert read(myob, invoice)["BalanceDueAmount"] == 110.0
    assert read(myob, big)["BalanceDueAmount"] == -110.0


def test_a_settlement_over_the_invoice_balance_or_the_credit_left_is_refused(myob, sale):
    customer, invoice, credit = sale
    over_credit = myob.post("Sale/CreditSettlement", settlement(customer, credit, invoice, 40))
    assert over_credit.status_code == 400
    assert error_names(over_credit) == ["AmountAppliedExceedsBalance"]
    big = myob.created(
        "Sale/Invoice/Service", service_invoice(myob, customer["UID"], -200, Number="CN-3")
    )
    over_due = myob.post("Sale/CreditSettlement", settlement(customer, big, invoice, 120))
    assert "AmountAppliedExceedsBalance" in error_names(over_due)
    nothing = myob.post("Sale/CreditSettlement", settlement(customer, credit, invoice, 0))
    assert "AmountAppliedExceedsBalance" in error_names(nothing)
    assert read(myob, invoice)["BalanceDueAmount"] == 110.0


def test_a_settlement_of_another_customer_or_from_an_ordinary_invoice_is_refused(myob, sale):
    customer, invoice, credit = sale
    other = myob.created("Contact/Customer", customer_body(myob, "Other Co", "o@x.example"))
    theirs = myob.created(
        "Sale/Invoice/Service", service_invoice(myob, other["UID"], 50, Number="INV-9")
    )
    answer = myob.post("Sale/CreditSettlement", settlement(customer, credit, theirs, 10))
    assert answer.status_code == 400 and error_names(answer) == ["InvalidValue"]
    not_credit = myob.post("Sale/CreditSettlement", settlement(customer, invoice, invoice, 10))
    assert "InvalidValue" in error_names(not_credit)


def test_a_settlement_without_its_required_fields_lists_each(myob):
    answer = myob.post("Sale/CreditSettlement", {"Memo": "x"})
    assert answer.status_code == 400
    messages = " ".join(e["Message"] for e in answer.json()["Errors"])
    for field in ("CreditFromInvoice", "Customer", "Date", "CreditAmount", "Lines"):
        assert field in messages


def test_a_credit_refund_pays_back_credit_left_from_a_bank_account(myob, sale):
    customer, _, credit = sale
    made = myob.created("Sale/CreditRefund", refund(myob, customer, credit, 33))
    assert made["Amount"] == 33.0 and made["Account"]["DisplayID"] == "1-1110"
    after = read(myob, credit)
    assert after["BalanceDueAmount"] == 0.0 and after["Status"] == "Closed"
    assert myob.one("Sale/CreditRefund", **{"$filter": "Memo eq 'Refund to card'"})["UID"]
    myob.delete(f"Sale/CreditRefund/{made['UID']}")
    assert read(myob, credit)["BalanceDueAmount"] == -33.0


def test_a_credit_refund_over_the_credit_left_or_not_from_a_bank_account_is_refused(myob, sale):
    customer, invoice, credit = sale
    over = myob.post("Sale/CreditRefund", refund(myob, customer, credit, 33.01))
    assert over.status_code == 400 and error_names(over) == ["AmountAppliedExceedsBalance"]
    income = bank(myob, "4-1000")["UID"]
    wrong = myob.post(
        "Sale/CreditRefund", refund(myob, customer, credit, 5, Account={"UID": income})
    )
    assert error_names(wrong) == ["InvalidValue"]
    of_invoice = myob.post("Sale/CreditRefund", refund(myob, customer, invoice, 5))
    assert error_names(of_invoice) == ["InvalidValue"]
    missing = myob.post("Sale/CreditRefund", {})
    assert error_names(missing).count("Required") == 5
    assert read(myob, credit)["BalanceDueAmount"] == -33.0


def test_a_credit_with_settlements_or_refunds_is_not_deleted(myob, sale):
    customer, invoice, credit = sale
    myob.created("Sale/CreditRefund", refund(myob, customer, credit, 3))
    answer = myob.delete(f"Sale/Invoice/Service/{credit['UID']}")
    assert answer.status_code == 400 and error_names(answer) == ["InvalidValue"]
    myob.created("Sale/CreditSettlement", settlement(customer, credit, invoice, 10))
    assert myob.delete(f"Sale/Invoice/Service/{invoice['UID']}").status_code == 400


def test_an_item_line_of_negative_quantity_is_refused(myob, sale):
    customer, _, _ = sale
    item = myob.one("Inventory/Item", **{"$filter": "Number eq 'LABOUR'"})
    gst = myob.one("GeneralLedger/TaxCode", **{"$filter": "Code eq 'GST'"})
    body = {
        "Date": "2026-12-01",
        "Customer": {"UID": customer["UID"]},
        "Lines": [
            {"Item": {"UID": item["UID"]}, "ShipQuantity": -1, "TaxCode": {"UID": gst["UID"]}}
        ],
    }
    answer = myob.post("Sale/Invoice/Item", body)
    assert answer.status_code == 400 and error_names(answer) == ["CommonRules_DecimalMinValue"]


def test_two_settlement_lines_on_one_invoice_may_not_together_apply_more_than_it_owes(myob, sale):
    customer, invoice, _ = sale
    big = myob.created(
        "Sale/Invoice/Service", service_invoice(myob, customer["UID"], -200, Number="CN-4")
    )
    line = {"Type": "Invoice", "Sale": {"UID": invoice["UID"]}, "AmountApplied": 60}
    body = settlement(customer, big, invoice, 120, Lines=[line, line])
    answer = myob.post("Sale/CreditSettlement", body)
    assert answer.status_code == 400
    assert error_names(answer) == ["AmountAppliedExceedsBalance"]
    assert read(myob, invoice)["BalanceDueAmount"] == 110.0
