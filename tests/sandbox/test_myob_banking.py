"""MYOB's banking transactions in the sandbox over HTTP: transfer money between two bank
accounts and spend money from one, with the rules MYOB holds (docs/sandbox-myob.md, "Banking")."""

from __future__ import annotations

import pytest

from tests.sandbox.myob_fixtures import *  # noqa: F403 (fixtures)
from tests.sandbox.myob_helpers import error_names

pytestmark = pytest.mark.django_db(transaction=True)


def account(myob, display_id: str) -> dict:
    return myob.one("GeneralLedger/Account", **{"$filter": f"DisplayID eq '{display_id}'"})


def code(myob, name: str) -> dict:
    return myob.one("GeneralLedger/TaxCode", **{"$filter": f"Code eq '{name}'"})


def transfer(myob, **changes) -> dict:
    body = {
        "FromAccount": {"UID": account(myob, "1-1180")["UID"]},
        "ToAccount": {"UID": account(myob, "1-1110")["UID"]},
        "Amount": 446.24,
        "Date": "2026-12-04",
        "Memo": "Stripe payout po_1",
    }
    return {**body, **changes}


def spend(myob, amount=14.25, tax="GST", **changes) -> dict:
    body = {
        "PayFrom": "Account",
        "Account": {"UID": account(myob, "1-1180")["UID"]},
        "Date": "2026-12-04",
        "IsTaxInclusive": True,
        "Memo": "Stripe fees",
        "Lines": [
            {
                "Account": {"UID": account(myob, "6-1100")["UID"]},
                "Amount": amount,
                "TaxCode": {"UID": code(myob, tax)["UID"]},
            }
        ],
    }
    return {**body, **changes}


def test_the_sample_file_has_a_stripe_clearing_bank_account_and_a_bank_fees_account(myob):
    assert account(myob, "1-1180")["Name"] == "Stripe Clearing"
    assert account(myob, "1-1180")["Type"] == "Bank"
    assert account(myob, "6-1100")["Classification"] == "Expense"


def test_a_transfer_between_two_bank_accounts_is_kept_numbered_and_found_by_memo(myob):
    made = myob.created("Banking/TransferMoneyTxn", transfer(myob))
    assert made["Amount"] == 446.24 and made["TransferNumber"].startswith("TR")
    assert made["FromAccount"]["DisplayID"] == "1-1180"
    assert made["ToAccount"]["DisplayID"] == "1-1110"
    assert made["Date"] == "2026-12-04T00:00:00" and made["RowVersion"]
    found = myob.one("Banking/TransferMoneyTxn", **{"$filter": "Memo eq 'Stripe payout po_1'"})
    assert found["UID"] == made["UID"]


def test_a_transfer_without_accounts_amount_or_date_lists_each(myob):
    answer = myob.post("Banking/TransferMoneyTxn", {"Memo": "x"})
    assert answer.status_code == 400
    assert error_names(answer) == ["Required"] * 4
    messages = " ".join(e["Message"] for e in answer.json()["Errors"])
    for field in ("FromAccount", "ToAccount", "Amount", "Date"):
        assert field in messages


def test_a_transfer_from_or_to_an_account_that_is_not_a_bank_account_is_refused(myob):
    fees = account(myob, "6-1100")["UID"]
    answer = myob.post("Banking/TransferMoneyTxn", transfer(myob, ToAccount={"UID": fees}))
    assert answer.status_code == 400 and error_names(answer) == ["InvalidValue"]
    assert "6-1100 Bank Fees is not a bank account" in answer.json()["Errors"][0]["Message"]
    header = account(myob, "1-0000")["UID"]
    answer = myob.post("Banking/TransferMoneyTxn", transfer(myob, FromAccount={"UID": header}))
    assert answer.status_code == 400 and "not a bank account" in answer.text


def test_a_transfer_to_the_same_account_or_of_nothing_is_refused(myob):
    bank = {"UID": account(myob, "1-1110")["UID"]}
    same = myob.post("Banking/TransferMoneyTxn", transfer(myob, FromAccount=bank))
    assert same.status_code == 400 and "must be different" in same.text
    for amount in (0, -5):
        nothing = myob.post("Banking/TransferMoneyTxn", transfer(myob, Amount=amount))
        assert nothing.status_code == 400 and "Amount must be more than 0" in nothing.text
    assert myob.get("Banking/TransferMoneyTxn").json()["Items"] == []


def test_a_transfer_naming_an_account_the_file_does_not_have_is_not_found(myob):
    answer = myob.post(
        "Banking/TransferMoneyTxn",
        transfer(myob, ToAccount={"UID": "00000000-0000-0000-0000-000000000000"}),
    )
    assert answer.status_code == 400 and error_names(answer) == ["NotFound"]


def test_spend_money_inclusive_of_gst_pays_the_lines_amount_to_the_cent(myob):
    made = myob.created("Banking/SpendMoneyTxn", spend(myob))
    assert made["AmountPaid"] == 14.25
    assert made["TotalTax"] == 1.30  # 14.25 × 10 / 110
    assert made["Account"]["DisplayID"] == "1-1180" and made["Contact"] is None
    [line] = made["Lines"]
    assert line["Account"]["DisplayID"] == "6-1100" and line["TaxCode"]["Code"] == "GST"
    assert made["PaymentNumber"]


def test_spend_money_exclusive_of_tax_adds_the_tax_to_the_amount_paid(myob):
    made = myob.created("Banking/SpendMoneyTxn", spend(myob, amount=10, IsTaxInclusive=False))
    assert (made["AmountPaid"], made["TotalTax"]) == (11.0, 1.0)


def test_spend_money_needs_pay_from_a_bank_account_lines_and_a_positive_total(myob):
    answer = myob.post("Banking/SpendMoneyTxn", {"Date": "2026-12-04"})
    assert answer.status_code == 400
    messages = " ".join(e["Message"] for e in answer.json()["Errors"])
    assert "PayFrom is required" in messages and "Lines is required" in messages

    fees = {"UID": account(myob, "6-1100")["UID"]}
    wrong = myob.post("Banking/SpendMoneyTxn", spend(myob, Account=fees))
    assert wrong.status_code == 400
    assert "Account 6-1100 Bank Fees is not a bank account" in wrong.text

    nothing = myob.post("Banking/SpendMoneyTxn", spend(myob, amount=0))
    assert nothing.status_code == 400 and "amount paid must be more than 0" in nothing.text

    no_code = spend(myob)
    del no_code["Lines"][0]["TaxCode"]
    answer = myob.post("Banking/SpendMoneyTxn", no_code)
    assert answer.status_code == 400 and "TaxCode.UID is required" in answer.text
    assert myob.get("Banking/SpendMoneyTxn").json()["Items"] == []


def test_spend_money_line_on_a_header_account_is_refused(myob):
    body = spend(myob)
    body["Lines"][0]["Account"] = {"UID": account(myob, "4-0000")["UID"]}
    answer = myob.post("Banking/SpendMoneyTxn", body)
    assert answer.status_code == 400 and "header account" in answer.text
