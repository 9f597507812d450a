"""Bad input is answered with QBO's own validation faults: never a 500, never half-written."""

from __future__ import annotations

import pytest

from apps.sandbox.models import SandboxRecord

pytestmark = pytest.mark.django_db(transaction=True)


def _fault(response) -> dict:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["Fault"]["type"] == "ValidationFault"
    return body["Fault"]["Error"][0]


def test_malformed_json_is_a_validation_fault(raw, qbo_company):
    before = SandboxRecord.objects.filter(company=qbo_company).count()
    error = _fault(raw.post("customer", data='{"DisplayName": "Half'))
    assert error["code"] == "2010"
    assert SandboxRecord.objects.filter(company=qbo_company).count() == before


def test_unknown_field_is_refused_naming_it(raw):
    error = _fault(raw.post("customer", {"DisplayName": "Ok", "FavouriteColour": "blue"}))
    assert error["code"] == "2010"
    assert "FavouriteColour" in error["Detail"]
    assert error["element"] == "FavouriteColour"


@pytest.mark.parametrize(
    "entity,body",
    [
        ("customer", {"DisplayName": "Typed", "Active": "yes"}),
        ("customer", {"DisplayName": ["a list"]}),
        ("customer", {"DisplayName": "Typed", "PrimaryEmailAddr": "not-an-object"}),
        ("invoice", {"CustomerRef": [], "Line": []}),
        ("invoice", {"CustomerRef": {"value": "1"}, "Line": "not a list"}),
        ("invoice", {"CustomerRef": {"value": "1"}, "Line": [{"Amount": {"x": 1}}]}),
        ("invoice", {"CustomerRef": {"value": "1"}, "TxnDate": "next tuesday", "Line": []}),
        (
            "invoice",
            {"CustomerRef": {"value": "1"}, "Line": [{"Amount": 5, "DetailType": "Magic"}]},
        ),
        (
            "invoice",
            {"CustomerRef": {"value": "1"}, "Line": [{"Amount": 5, "SalesItemLineDetail": "x"}]},
        ),
        ("payment", {"CustomerRef": {"value": "1"}, "TotalAmt": "lots"}),
        ("item", {"Name": "Thing", "UnitPrice": True}),
    ],
)
def test_wrongly_typed_fields_are_2010(raw, entity, body):
    assert _fault(raw.post(entity, body))["code"] == "2010"


@pytest.mark.parametrize(
    "entity,body,element",
    [
        ("invoice", {"Line": [{"Amount": 10, "DetailType": "SalesItemLineDetail"}]}, "CustomerRef"),
        ("invoice", {"CustomerRef": {"value": "1"}}, "Line"),
        ("payment", {"CustomerRef": {"value": "1"}}, "TotalAmt"),
        ("customer", {"Notes": "no name at all"}, "DisplayName"),
        ("item", {"Type": "Service"}, "Name"),
        ("account", {"Name": "No type"}, "AccountType"),
        ("deposit", {"Line": []}, "DepositToAccountRef"),
    ],
)
def test_missing_required_fields_are_2020(raw, entity, body, element):
    error = _fault(raw.post(entity, body))
    assert error["code"] == "2020"
    assert element in error["Detail"]


def test_reference_to_a_missing_record_is_2500(raw):
    body = {"CustomerRef": {"value": "999999"}, "Line": [{"Amount": 5}]}
    assert _fault(raw.post("invoice", body))["code"] == "2500"


def test_body_that_is_not_an_object_is_refused(raw):
    assert _fault(raw.post("customer", ["DisplayName"]))["code"] == "2010"


def test_update_without_sync_token_is_2020(raw):
    assert _fault(raw.post("customer", {"Id": "1", "DisplayName": "x"}))["code"] == "2020"


def test_refused_payment_leaves_every_invoice_untouched(raw, qbo_company):
    first = raw.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [{"Amount": 50}]}).json()
    other = raw.post("invoice", {"CustomerRef": {"value": "2"}, "Line": [{"Amount": 50}]}).json()
    lines = [
        {"Amount": 20, "LinkedTxn": [{"TxnId": first["Invoice"]["Id"], "TxnType": "Invoice"}]},
        {"Amount": 20, "LinkedTxn": [{"TxnId": other["Invoice"]["Id"], "TxnType": "Invoice"}]},
    ]
    payments_before = SandboxRecord.objects.filter(company=qbo_company, entity="Payment").count()
    error = _fault(
        raw.post("payment", {"CustomerRef": {"value": "1"}, "TotalAmt": 40, "Line": lines})
    )
    assert error["code"] == "6000"
    invoice = raw.get(f"invoice/{first['Invoice']['Id']}").json()["Invoice"]
    assert invoice["Balance"] == 50 and invoice["SyncToken"] == "0"
    assert (
        SandboxRecord.objects.filter(company=qbo_company, entity="Payment").count()
        == payments_before
    )


def test_overpaying_an_invoice_is_refused(raw):
    invoice = raw.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [{"Amount": 50}]}).json()
    line = {"Amount": 60, "LinkedTxn": [{"TxnId": invoice["Invoice"]["Id"], "TxnType": "Invoice"}]}
    body = {"CustomerRef": {"value": "1"}, "TotalAmt": 60, "Line": [line]}
    assert _fault(raw.post("payment", body))["code"] == "6000"


def test_non_us_line_without_tax_code_is_refused(live_server, api_base, qbo_app):
    from apps.sandbox import oauth
    from apps.sandbox.companies import company_create

    from .conftest import RawQbo

    company = company_create(provider="quickbooks", name="Maple Co", country="CA")
    client = RawQbo(api_base, oauth.token_issue(app=qbo_app, company=company))
    error = _fault(client.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [{"Amount": 5}]}))
    assert "GST/HST" in error["Detail"]
    taxed = client.post(
        "invoice",
        {
            "CustomerRef": {"value": "1"},
            "Line": [{"Amount": 100, "SalesItemLineDetail": {"TaxCodeRef": {"value": "3"}}}],
        },
    ).json()["Invoice"]
    assert taxed["TxnTaxDetail"]["TotalTax"] == 5.0 and taxed["TotalAmt"] == 105.0
    assert taxed["CurrencyRef"]["value"] == "CAD"
    client.session.close()


def test_python_quickbooks_empty_defaults_are_accepted(raw):
    body = {
        "CustomerRef": {"value": "1", "name": "", "type": ""},
        "DueDate": "",
        "TxnDate": "",
        "ShipDate": "",
        "TotalAmt": "",
        "SyncToken": 0,
        "sparse": False,
        "domain": "QBO",
        "Deposit": 0,
        "Line": [
            {
                "Amount": 10,
                "DetailType": "SalesItemLineDetail",
                "LineNum": 0,
                "LinkedTxn": [],
                "CustomField": [],
                "SalesItemLineDetail": {
                    "Qty": 0,
                    "UnitPrice": 0,
                    "ServiceDate": "",
                    "TaxInclusiveAmt": 0,
                },
            }
        ],
    }
    response = raw.post("invoice", body)
    assert response.status_code == 200, response.text
    assert response.json()["Invoice"]["TotalAmt"] == 10.0


def test_unknown_resource_is_a_fault_not_a_crash(raw):
    response = raw.post("spaceship", {"Name": "x"})
    assert response.status_code == 400
    assert "Fault" in response.json()


@pytest.mark.parametrize(
    "field,value",
    [("EmailStatus", "Shouted"), ("PrintStatus", "Maybe"), ("GlobalTaxCalculation", "Vibes")],
)
def test_unknown_status_values_are_refused(raw, field, value):
    body = {"CustomerRef": {"value": "1"}, "Line": [{"Amount": 5}], field: value}
    error = _fault(raw.post("invoice", body))
    assert error["code"] == "2010" and field in error["Detail"]
