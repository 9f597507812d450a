from __future__ import annotations

import pytest

from apps.sandbox.models import SandboxRecord

pytestmark = pytest.mark.django_db(transaction=True)


def _count(entity: str) -> int:
    return SandboxRecord.objects.filter(entity=entity).count()


def _messages(answer) -> list[str]:
    return [
        error["Message"]
        for element in answer.json()["Elements"]
        for error in element["ValidationErrors"]
    ]


def test_malformed_json_is_refused_in_xeros_shape(xero):
    before = _count("Contacts")
    answer = xero.call(
        "PUT",
        "/Contacts",
        data=b'{"Contacts": [{"Name": "Ann"',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["Type"] == "PostDataInvalidException"
    assert _count("Contacts") == before


def test_unknown_field_is_a_validation_error(xero):
    answer = xero.put("/Contacts", json={"Contacts": [{"Name": "Ann", "ShoeSize": 9}]})
    assert answer.status_code == 400
    assert answer.json()["ErrorNumber"] == 10
    assert any("ShoeSize" in message for message in _messages(answer))


def test_wrongly_typed_field_is_a_validation_error(xero):
    invoice = {
        "Type": "ACCREC",
        "Contact": {"Name": "Ann"},
        "LineItems": [{"Description": "Work", "Quantity": "lots", "UnitAmount": 10}],
    }
    answer = xero.put("/Invoices", json={"Invoices": [invoice]})
    assert answer.status_code == 400
    assert any("Quantity" in message for message in _messages(answer))
    assert _count("Invoices") == 0


def test_missing_required_fields_are_validation_errors(xero):
    answer = xero.put("/Contacts", json={"Contacts": [{"EmailAddress": "x@example.com"}]})
    assert answer.status_code == 400
    assert _messages(answer) == ["The contact name must be specified."]
    answer = xero.put("/Items", json={"Items": [{"Name": "No code"}]})
    assert answer.status_code == 400
    answer = xero.put("/Payments", json={"Payments": [{"Amount": 10}]})
    assert answer.status_code == 400


def test_one_bad_element_refuses_the_whole_request_by_default(xero):
    before = _count("Contacts")
    answer = xero.put(
        "/Contacts",
        json={"Contacts": [{"Name": "Good One"}, {"Name": "Bad", "EmailAddress": "no"}]},
    )
    assert answer.status_code == 400
    assert _messages(answer) == ["Email address must be valid."]
    assert _count("Contacts") == before


def test_summarize_errors_false_writes_the_good_and_reports_the_bad(xero):
    before = _count("Contacts")
    answer = xero.put(
        "/Contacts",
        params={"summarizeErrors": "false"},
        json={"Contacts": [{"Name": "Good One"}, {"Name": "Bad", "EmailAddress": "no"}]},
    )
    assert answer.status_code == 200
    good, bad = answer.json()["Contacts"]
    assert good["Name"] == "Good One" and "ValidationErrors" not in good
    assert good["StatusAttributeString"] == "OK"
    assert bad["HasErrors"] is True and bad["StatusAttributeString"] == "ERROR"
    assert bad["ValidationErrors"] == [{"Message": "Email address must be valid."}]
    assert _count("Contacts") == before + 1


def test_a_body_that_is_not_a_record_list_is_refused(xero):
    answer = xero.put("/Contacts", json={"Contacts": "Ann"})
    assert answer.status_code == 400
    answer = xero.put("/Contacts", json=[])
    assert answer.status_code == 400


def test_bad_guid_in_path_is_not_found_and_in_body_is_a_validation_error(xero):
    assert xero.get("/Invoices/not-a-guid").status_code == 404
    answer = xero.post("/Contacts", json={"Contacts": [{"ContactID": "nope", "Name": "Ann"}]})
    assert answer.status_code == 400
    assert any("System.Guid" in message for message in _messages(answer))


def test_overlong_idempotency_key_is_refused(xero):
    answer = xero.put("/Contacts", json={"Name": "Ann"}, headers={"Idempotency-Key": "k" * 129})
    assert answer.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"Invoices": [{"Type": "ACCREC", "LineItems": "x"}]},
        {"Invoices": [{"Type": "ACCREC", "Contact": "Ann", "LineItems": [5]}]},
        {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "A"}, "Date": "31/12/2026"}]},
        {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "A"}, "Status": "SENT"}]},
        {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "A"}, "CurrencyCode": "EUR"}]},
        {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "A"}, "LineAmountTypes": "Gross"}]},
        {"Invoices": [{"Type": "ACCPAYX", "Contact": {"Name": "A"}}]},
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"Name": "A"},
                    "LineItems": [{"Description": "x", "Quantity": 1e300, "UnitAmount": 1e300}],
                }
            ]
        },
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"Name": "A"},
                    "LineItems": [{"Description": "x", "DiscountRate": 150}],
                }
            ]
        },
        {"Invoices": [None]},
        {"Invoices": [[]]},
    ],
)
def test_odd_invoices_are_refused_with_validation_errors_not_500(xero, body):
    answer = xero.put("/Invoices", json=body)
    assert answer.status_code == 400
    assert answer.json()["ErrorNumber"] == 10
    assert _count("Invoices") == 0
