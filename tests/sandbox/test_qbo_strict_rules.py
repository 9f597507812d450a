"""The QuickBooks sandbox refuses what QuickBooks Online refuses, with Intuit's codes and
shapes, over real HTTP (docs/sandbox-quickbooks.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.utils import timezone

from apps.sandbox import store
from apps.sandbox.models import SandboxRecord

pytestmark = pytest.mark.django_db(transaction=True)

PACIFIC = ZoneInfo("America/Los_Angeles")


def _error(answer: requests.Response, status: int = 400) -> dict:
    assert answer.status_code == status, answer.text[:500]
    body = answer.json()
    assert body["Fault"]["type"] == "ValidationFault"
    return body["Fault"]["Error"][0]


def _customer(raw, name: str = "Strict Customer", **fields) -> dict:
    answer = raw.post("customer", {"DisplayName": name, **fields})
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()["Customer"]


def _line(amount, *, qty=None, price=None, item="1") -> dict:
    detail = {"ItemRef": {"value": item}}
    if qty is not None:
        detail.update(Qty=qty, UnitPrice=price)
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


def _invoice(raw, customer_id: str, *lines: dict, **fields) -> requests.Response:
    body = {"CustomerRef": {"value": customer_id}, "Line": list(lines), **fields}
    return raw.post("invoice", body)


def _deactivate(raw, entity: str, record_id: str) -> None:
    current = raw.get(f"{entity.lower()}/{record_id}").json()[entity]
    body = {"Id": record_id, "SyncToken": current["SyncToken"], "sparse": True, "Active": False}
    assert raw.post(entity.lower(), body).status_code == 200


# --- 6070: line arithmetic -----------------------------------------------------------------


def test_line_amount_that_is_not_qty_times_unit_price_is_refused_with_6070(raw):
    customer = _customer(raw)
    error = _error(_invoice(raw, customer["Id"], _line(20.01, qty=2, price=10)))
    assert error["code"] == "6070"
    assert error["Message"] == "Amount calculation incorrect in the request"
    assert error["Detail"] == "Amount is not equal to Qty * UnitPrice. Supplied value:20.01"


def test_line_amount_is_qty_times_unit_price_rounded_half_up_to_the_cent(raw):
    customer = _customer(raw)
    # 3 × 3.335 = 10.005, which QBO rounds half up to 10.01; 10.00 is a cent off.
    assert _invoice(raw, customer["Id"], _line(10.01, qty=3, price=3.335)).status_code == 200
    assert _error(_invoice(raw, customer["Id"], _line(10.00, qty=3, price=3.335)))["code"] == (
        "6070"
    )


def test_a_line_with_only_an_amount_or_only_qty_and_price_is_worked_out(raw):
    customer = _customer(raw)
    answer = _invoice(raw, customer["Id"], _line(35), _line(0, qty=2, price=7.5))
    assert answer.status_code == 200
    assert answer.json()["Invoice"]["TotalAmt"] == 50.0


# --- 610: inactive references --------------------------------------------------------------


def test_invoice_for_an_inactive_customer_is_refused_with_610(raw):
    customer = _customer(raw)
    _deactivate(raw, "Customer", customer["Id"])
    error = _error(_invoice(raw, customer["Id"], _line(10)))
    assert error["code"] == "610" and error["Message"] == "Object Not Found"
    assert "has been made inactive" in error["Detail"]
    assert error["element"] == "CustomerRef"


def test_invoice_line_with_an_inactive_item_is_refused_with_610(raw):
    customer = _customer(raw)
    _deactivate(raw, "Item", "2")
    error = _error(_invoice(raw, customer["Id"], _line(10, item="2")))
    assert error["code"] == "610" and error["element"] == "ItemRef"


def test_discount_to_an_inactive_account_is_refused_with_610(raw):
    customer = _customer(raw)
    account = raw.get("query", {"query": "select * from Account where Name = 'Discounts given'"})
    account_id = account.json()["QueryResponse"]["Account"][0]["Id"]
    _deactivate(raw, "Account", account_id)
    discount = {
        "Amount": 1,
        "DetailType": "DiscountLineDetail",
        "DiscountLineDetail": {"PercentBased": False, "DiscountAccountRef": {"value": account_id}},
    }
    error = _error(_invoice(raw, customer["Id"], _line(10), discount))
    assert error["code"] == "610" and error["element"] == "DiscountAccountRef"


def test_invoice_with_an_inactive_tax_code_is_refused_with_610(raw, qbo_company):
    # Tax codes are read-only in the Accounting API; QBO's own screens make one inactive.
    code = store.record_get(company=qbo_company, entity="TaxCode", record_id="2")
    store.record_save(record=code, data={**code.data, "Active": False}, notify=False)
    customer = _customer(raw)
    answer = _invoice(
        raw, customer["Id"], _line(10), TxnTaxDetail={"TxnTaxCodeRef": {"value": "2"}}
    )
    assert _error(answer)["code"] == "610"


# --- lengths, e-mail, names ----------------------------------------------------------------


@pytest.mark.parametrize(
    "entity,field,limit",
    [
        ("customer", "DisplayName", 500),
        ("customer", "GivenName", 100),
        ("customer", "FamilyName", 100),
        ("invoice", "DocNumber", 21),
        ("invoice", "PrivateNote", 4000),
        ("invoice", "Line.Description", 4000),
    ],
)
def test_text_longer_than_quickbooks_keeps_is_refused_with_2050(raw, entity, field, limit):
    customer = _customer(raw, "Length Check")

    def body(length: int) -> dict:
        text = "x" * length
        if entity == "customer":
            return {"DisplayName": f"Len {length}", field: text}
        line = _line(10)
        fields = {"CustomerRef": {"value": customer["Id"]}, "Line": [line]}
        if field == "Line.Description":
            line["Description"] = text
        else:
            fields[field] = text
        return fields

    assert raw.post(entity, body(limit)).status_code == 200
    error = _error(raw.post(entity, body(limit + 1)))
    assert error["code"] == "2050"
    assert error["Message"] == (
        "String length is either shorter or longer than supported by specification"
    )
    assert error["Detail"] == (
        f"String length specified does not match the supported length. Min:0 Max:{limit} "
        f"supported. Supplied length:{limit + 1}"
    )
    assert error["element"] == field.split(".")[-1]


@pytest.mark.parametrize(
    "address", ["nick.brown", "nick@", "nick brown@example.com", "@example.com"]
)
def test_customer_with_a_malformed_email_address_is_refused(raw, address):
    error = _error(
        raw.post("customer", {"DisplayName": "Mail", "PrimaryEmailAddr": {"Address": address}})
    )
    assert error["code"] == "2010"
    assert error["Detail"].startswith(
        "Email Address does not conform to the syntax rules of RFC 822"
    )


def test_invoice_with_a_malformed_billing_email_is_refused(raw):
    customer = _customer(raw)
    answer = _invoice(raw, customer["Id"], _line(10), BillEmail={"Address": "not-an-address"})
    assert _error(answer)["element"] == "BillEmail"


def test_customer_name_with_a_colon_is_refused(raw):
    error = _error(raw.post("customer", {"DisplayName": "Acme: North"}))
    assert error["code"] == "2010" and error["element"] == "DisplayName"
    assert raw.post("customer", {"DisplayName": "Acme North"}).status_code == 200


# --- duplicate numbers, totals, dates ------------------------------------------------------


def _warn_on_duplicate_numbers(raw) -> None:
    prefs = raw.get("preferences").json()["Preferences"]
    other = prefs.get("OtherPrefs") or {"NameValue": []}
    other["NameValue"] = [
        *other["NameValue"],
        {"Name": "WarnDuplicateDocNum", "Value": "true"},
    ]
    body = {"Id": prefs["Id"], "SyncToken": prefs["SyncToken"], "sparse": True}
    assert raw.post("preferences", {**body, "OtherPrefs": other}).status_code == 200


def test_duplicate_doc_number_is_accepted_while_the_company_does_not_warn(raw):
    customer = _customer(raw)
    for _ in range(2):
        assert _invoice(raw, customer["Id"], _line(10), DocNumber="A-7").status_code == 200


def test_duplicate_doc_number_is_refused_with_6140_when_the_company_warns(raw):
    _warn_on_duplicate_numbers(raw)
    customer = _customer(raw)
    first = _invoice(raw, customer["Id"], _line(10), DocNumber="A-7")
    assert first.status_code == 200
    error = _error(_invoice(raw, customer["Id"], _line(10), DocNumber="A-7"))
    assert error["code"] == "6140" and error["Message"] == "Duplicate Document Number Error"
    assert f"TxnId={first.json()['Invoice']['Id']}" in error["Detail"]
    # Saving the first one again with its own number is no duplicate.
    saved = first.json()["Invoice"]
    again = {"Id": saved["Id"], "SyncToken": saved["SyncToken"], "sparse": True, "DocNumber": "A-7"}
    assert raw.post("invoice", again).status_code == 200


def test_invoice_may_total_zero_but_not_less(raw):
    customer = _customer(raw)
    assert _invoice(raw, customer["Id"], _line(0, qty=1, price=0)).status_code == 200
    error = _error(_invoice(raw, customer["Id"], _line(-5)))
    assert error["code"] == "6000" and "negative total" in error["Detail"]


def test_payment_may_be_zero_but_not_negative(raw):
    customer = _customer(raw)
    zero = raw.post("payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 0})
    assert zero.status_code == 200
    negative = raw.post("payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": -1})
    assert _error(negative)["code"] == "6000"


@pytest.mark.parametrize("value", ["01/05/2024", "2024-1-5", "5 January 2024", "2024-02-30"])
def test_txn_date_not_written_yyyy_mm_dd_is_refused(raw, value):
    customer = _customer(raw)
    error = _error(_invoice(raw, customer["Id"], _line(10), TxnDate=value))
    assert error["code"] == "2010" and error["element"] == "TxnDate"
    assert "Unparseable date" in error["Detail"]


def test_txn_date_yyyy_mm_dd_is_kept(raw):
    customer = _customer(raw)
    answer = _invoice(raw, customer["Id"], _line(10), TxnDate="2024-01-05")
    assert answer.json()["Invoice"]["TxnDate"] == "2024-01-05"


# --- times ---------------------------------------------------------------------------------


def _pacific_offset(moment: datetime) -> str:
    return moment.astimezone(PACIFIC).isoformat()[-6:]


def test_metadata_and_response_times_are_in_the_us_company_pacific_offset(raw):
    customer = raw.post("customer", {"DisplayName": "Clock Watcher"}).json()
    offset = _pacific_offset(timezone.now())
    assert offset in ("-08:00", "-07:00")
    assert customer["Customer"]["MetaData"]["CreateTime"].endswith(offset)
    assert customer["Customer"]["MetaData"]["LastUpdatedTime"].endswith(offset)
    assert customer["time"].endswith(offset)
    created = datetime.fromisoformat(customer["Customer"]["MetaData"]["CreateTime"])
    assert abs(created - timezone.now()) < timedelta(minutes=1)


def test_a_record_saved_in_winter_reads_minus_eight_and_in_summer_minus_seven(raw, qbo_company):
    customer = _customer(raw, "Seasons")
    record = SandboxRecord.objects.get(
        company=qbo_company, entity="Customer", record_id=customer["Id"]
    )
    winter = datetime(2026, 1, 15, 20, 0, tzinfo=ZoneInfo("UTC"))
    summer = datetime(2026, 7, 15, 20, 0, tzinfo=ZoneInfo("UTC"))
    SandboxRecord.objects.filter(pk=record.pk).update(created_at=winter, updated_at=summer)
    meta = raw.get(f"customer/{customer['Id']}").json()["Customer"]["MetaData"]
    assert meta == {
        "CreateTime": "2026-01-15T12:00:00-08:00",
        "LastUpdatedTime": "2026-07-15T13:00:00-07:00",
    }


def test_change_data_capture_reads_any_offset_and_answers_in_pacific_time(raw):
    before = timezone.now()  # the sample company was seeded before this moment
    customer = _customer(raw, "Changed Lately")
    since = before.astimezone(ZoneInfo("Asia/Kolkata")).isoformat()
    answer = raw.get("cdc", {"entities": "Customer", "changedSince": since})
    assert answer.status_code == 200, answer.text[:300]
    found = answer.json()["CDCResponse"][0]["QueryResponse"][0]["Customer"]
    assert [c["Id"] for c in found] == [customer["Id"]]
    assert found[0]["MetaData"]["LastUpdatedTime"].endswith(_pacific_offset(timezone.now()))
    later = (timezone.now() + timedelta(seconds=5)).astimezone(ZoneInfo("Asia/Kolkata"))
    quiet = raw.get("cdc", {"entities": "Customer", "changedSince": later.isoformat()})
    assert quiet.json()["CDCResponse"][0]["QueryResponse"] == [{}]


# --- query, minorversion, XML faults -------------------------------------------------------


def test_maxresults_above_1000_is_refused_with_intuits_message(raw):
    answer = raw.get("query", {"query": "select * from Customer maxresults 1001"})
    error = _error(answer)
    assert error["code"] == "4001" and error["Message"] == "Invalid query"
    assert error["Detail"] == (
        "QueryValidationError: value 1001 is too large. Max allowed value is 1000"
    )
    assert raw.get("query", {"query": "select * from Customer maxresults 1000"}).ok


@pytest.mark.parametrize("value", ["abc", "999", "76", "-1"])
def test_unknown_minorversion_is_refused(raw, value):
    error = _error(raw.get("companyinfo/1", {"minorversion": value}))
    assert error["code"] == "2010" and error["element"] == "minorversion"


@pytest.mark.parametrize("value", ["75", "65", "4"])
def test_minorversion_75_and_the_retired_ones_are_answered(raw, value):
    # Since August 2025 Intuit answers 1 to 74 as 75.
    assert raw.get("companyinfo/1", {"minorversion": value}).status_code == 200


def test_fault_is_xml_when_the_request_does_not_ask_for_json(raw):
    raw.session.headers.pop("Accept")
    answer = raw.get("query", {"query": "select * from Nothing"})
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert answer.text.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    assert '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="' in answer.text
    assert '<Fault type="ValidationFault"><Error code="4001">' in answer.text
    assert "<Message>Invalid query</Message>" in answer.text
    assert answer.headers.get("intuit_tid")


def test_authentication_fault_is_xml_too_without_json_asked(api_base, qbo_token):
    base = f"{api_base}/company/{qbo_token.company.external_id}"
    answer = requests.get(
        f"{base}/companyinfo/1", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert answer.status_code == 401
    assert '<Fault type="AUTHENTICATION"><Error code="3200">' in answer.text
