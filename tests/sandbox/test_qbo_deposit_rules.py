"""The QuickBooks sandbox's Deposit, as Intuit's Deposit entity page defines it: a deposit
account of type Bank or Other Current Asset, lines with DepositLineDetail.AccountRef, and a
total worked out from the lines. Refusals write nothing."""

from __future__ import annotations

import pytest

from apps.sandbox.models import SandboxRecord

pytestmark = pytest.mark.django_db(transaction=True)


def _line(amount, account="87"):
    return {
        "Amount": amount,
        "DetailType": "DepositLineDetail",
        "DepositLineDetail": {"AccountRef": {"value": account}},
    }


def _deposits(company):
    return SandboxRecord.objects.filter(company=company, entity="Deposit")


def test_a_payout_deposit_totals_its_lines_fees_line_negative(raw, qbo_company):
    body = {
        "DepositToAccountRef": {"value": "35"},
        "Line": [_line(250), _line(120.5), _line(-10.55, "88")],
    }
    answer = raw.post("deposit", body)
    assert answer.status_code == 200, answer.text
    deposit = answer.json()["Deposit"]
    assert deposit["TotalAmt"] == 359.95
    assert deposit["DepositToAccountRef"]["name"] == "Checking"


@pytest.mark.parametrize(
    "body,element",
    [
        ({"Line": [_line(10)]}, "DepositToAccountRef"),
        ({"DepositToAccountRef": {"value": "35"}, "Line": []}, "Line"),
        (
            {
                "DepositToAccountRef": {"value": "35"},
                "Line": [
                    {"Amount": 10, "DetailType": "DepositLineDetail", "DepositLineDetail": {}}
                ],
            },
            "DepositLineDetail.AccountRef",
        ),
    ],
    ids=["no-deposit-account", "no-lines", "line-without-account"],
)
def test_a_deposit_missing_what_intuit_requires_is_refused(raw, qbo_company, body, element):
    answer = raw.post("deposit", body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["Fault"]["Error"][0]["element"] == element
    assert not _deposits(qbo_company).exists()


def test_a_deposit_into_an_income_account_is_refused(raw, qbo_company):
    answer = raw.post("deposit", {"DepositToAccountRef": {"value": "1"}, "Line": [_line(10)]})
    assert answer.status_code == 400
    assert "Bank or Other Current Asset" in answer.json()["Fault"]["Error"][0]["Detail"]
    assert not _deposits(qbo_company).exists()


def test_a_deposit_repeated_with_its_requestid_is_made_once(raw, qbo_company):
    body = {"DepositToAccountRef": {"value": "35"}, "Line": [_line(10)]}
    first = raw.post("deposit?requestid=payout-1", body)
    again = raw.post("deposit?requestid=payout-1", body)
    assert first.json()["Deposit"]["Id"] == again.json()["Deposit"]["Id"]
    assert _deposits(qbo_company).count() == 1
