"""Paths in any letter case, invoices listed without their lines unless paged, and the filters
GET Quotes takes (docs/sandbox-xero.md)."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def contact(xero):
    return xero.get("/Contacts").json()["Contacts"][0]


def _invoice(xero, contact, **fields):
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact["ContactID"]},
        "LineItems": [{"Description": "Service call", "Quantity": 1, "UnitAmount": 120}],
        **fields,
    }
    answer = xero.put("/Invoices", json={"Invoices": [body]})
    assert answer.status_code == 200, answer.text
    return answer.json()["Invoices"][0]


def _quote(xero, contact, day: str, expiry: str, **fields):
    body = {
        "Contact": {"ContactID": contact["ContactID"]},
        "Date": day,
        "ExpiryDate": expiry,
        "LineItems": [{"Description": "New boiler", "Quantity": 1, "UnitAmount": 2000}],
        **fields,
    }
    answer = xero.put("/Quotes", json={"Quotes": [body]})
    assert answer.status_code == 200, answer.text
    return answer.json()["Quotes"][0]


@pytest.mark.parametrize("path", ["/Invoices", "/invoices", "/INVOICES", "/iNvOiCeS"])
def test_collection_paths_answer_in_any_letter_case(xero, path):
    answer = xero.get(path)
    assert answer.status_code == 200 and "Invoices" in answer.json()


@pytest.mark.parametrize("path", ["/Organisation", "/organisation", "/ORGANISATION"])
def test_organisation_answers_in_any_letter_case(xero, path):
    answer = xero.get(path)
    assert answer.status_code == 200 and answer.json()["Organisations"][0]["Name"]


def test_api_prefix_and_member_paths_ignore_case_too(xero, contact):
    base = xero.base.replace("api.xro/2.0", "API.XRO/2.0")
    answer = xero.session.get(f"{base}/contacts/{contact['ContactID']}", timeout=30)
    assert answer.status_code == 200
    assert answer.json()["Contacts"][0]["ContactID"] == contact["ContactID"]


@pytest.mark.parametrize("spelling", ["connections", "Connections"])
def test_connections_answers_in_any_letter_case(live_server, xero_token, spelling):
    headers = {"Authorization": f"Bearer {xero_token.access_token}"}
    answer = requests.get(f"{live_server.url}/sandbox/xero/{spelling}", headers=headers, timeout=10)
    assert answer.status_code == 200 and len(answer.json()) == 1


def test_invoices_listed_without_page_carry_no_line_items(xero, contact):
    made = _invoice(xero, contact)
    assert made["LineItems"]
    listed = xero.get("/Invoices").json()["Invoices"]
    assert [row["LineItems"] for row in listed] == [[]]
    by_number = xero.get("/Invoices", params={"InvoiceNumbers": made["InvoiceNumber"]})
    assert by_number.json()["Invoices"][0]["LineItems"] == []


def test_invoices_listed_with_a_page_or_read_by_id_carry_their_lines(xero, contact):
    made = _invoice(xero, contact)
    paged = xero.get("/Invoices", params={"page": 1}).json()["Invoices"]
    assert paged[0]["LineItems"][0]["Description"] == "Service call"
    one = xero.get(f"/Invoices/{made['InvoiceID']}").json()["Invoices"][0]
    assert one["LineItems"][0]["LineAmount"] == 120.0


def test_quotes_filter_by_contact_id(xero, contact):
    other = xero.get("/Contacts").json()["Contacts"][1]
    mine = _quote(xero, contact, "2026-11-01", "2026-12-01")
    _quote(xero, other, "2026-11-01", "2026-12-01")
    listed = xero.get("/Quotes", params={"ContactID": contact["ContactID"]}).json()["Quotes"]
    assert [q["QuoteID"] for q in listed] == [mine["QuoteID"]]


def test_quotes_filter_by_date_from_and_date_to_both_included(xero, contact):
    early = _quote(xero, contact, "2026-10-01", "2026-12-01")
    middle = _quote(xero, contact, "2026-10-15", "2026-12-01")
    _quote(xero, contact, "2026-11-01", "2026-12-01")
    after = xero.get("/Quotes", params={"DateFrom": "2026-10-15"}).json()["Quotes"]
    assert early["QuoteID"] not in {q["QuoteID"] for q in after} and len(after) == 2
    window = {"DateFrom": "2026-10-01", "DateTo": "2026-10-15"}
    between = xero.get("/Quotes", params=window).json()["Quotes"]
    assert {q["QuoteID"] for q in between} == {early["QuoteID"], middle["QuoteID"]}


def test_quotes_filter_by_status_and_expiry(xero, contact):
    sent = _quote(xero, contact, "2026-10-01", "2026-10-20", Status="SENT")
    _quote(xero, contact, "2026-10-01", "2026-12-20")
    assert [
        q["QuoteID"] for q in xero.get("/Quotes", params={"Status": "SENT"}).json()["Quotes"]
    ] == [sent["QuoteID"]]
    expiring = xero.get("/Quotes", params={"ExpiryDateTo": "2026-10-31"}).json()["Quotes"]
    assert [q["QuoteID"] for q in expiring] == [sent["QuoteID"]]


@pytest.mark.parametrize(
    "params",
    [
        {"where": 'Status=="DRAFT"'},
        {"pageSize": "10"},
        {"IDs": "00000000-0000-0000-0000-000000000000"},
        {"ContactIDs": "00000000-0000-0000-0000-000000000000"},
        {"DateFrom": "not a date"},
    ],
)
def test_quotes_refuse_what_xero_does_not_document(xero, contact, params):
    _quote(xero, contact, "2026-11-01", "2026-12-01")
    answer = xero.get("/Quotes", params=params)
    assert answer.status_code == 400
    assert answer.json()["Type"] == "QueryParseException"
    assert list(params)[0] in answer.json()["Message"]
