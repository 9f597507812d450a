from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def contact(xero):
    return xero.get("/Contacts").json()["Contacts"][0]


def _quote(xero, contact, **fields):
    body = {
        "Contact": {"ContactID": contact["ContactID"]},
        "Date": "2026-11-01",
        "ExpiryDate": "2026-12-01",
        "LineItems": [{"Description": "New boiler", "Quantity": 1, "UnitAmount": 2000}],
        **fields,
    }
    answer = xero.put("/Quotes", json={"Quotes": [body]})
    assert answer.status_code == 200, answer.text
    return answer.json()["Quotes"][0]


def _move(xero, quote, status):
    return xero.post(f"/Quotes/{quote['QuoteID']}", json={"Status": status})


def test_quote_gets_number_totals_and_capitalised_amount_type(xero, contact):
    quote = _quote(xero, contact)
    assert quote["QuoteNumber"] == "QU-0001" and quote["Status"] == "DRAFT"
    assert quote["LineAmountTypes"] == "EXCLUSIVE"
    assert (quote["SubTotal"], quote["TotalTax"], quote["Total"]) == (2000.0, 300.0, 2300.0)
    assert quote["ExpiryDate"].startswith("/Date(") and quote["DateString"] == "2026-11-01T00:00:00"


def test_quote_moves_from_draft_to_sent_to_accepted_to_invoiced(xero, contact):
    quote = _quote(xero, contact)
    for status in ("SENT", "ACCEPTED", "INVOICED"):
        answer = _move(xero, quote, status)
        assert answer.json()["Quotes"][0]["Status"] == status


def test_quote_transitions_xero_refuses(xero, contact):
    quote = _quote(xero, contact)
    assert _move(xero, quote, "ACCEPTED").status_code == 400
    _move(xero, quote, "DELETED")
    assert _move(xero, quote, "DRAFT").status_code == 400


def test_declined_quote_can_be_sent_again(xero, contact):
    quote = _quote(xero, contact, Status="SENT")
    assert _move(xero, quote, "DECLINED").json()["Quotes"][0]["Status"] == "DECLINED"
    assert _move(xero, quote, "SENT").json()["Quotes"][0]["Status"] == "SENT"


def test_quote_update_reprices_its_lines(xero, contact):
    quote = _quote(xero, contact)
    answer = xero.post(
        f"/Quotes/{quote['QuoteID']}",
        json={"LineAmountTypes": "NOTAX", "LineItems": [{"Description": "x", "UnitAmount": 10}]},
    )
    updated = answer.json()["Quotes"][0]
    assert (updated["Total"], updated["LineAmountTypes"]) == (10.0, "NOTAX")
    listed = xero.get("/Quotes").json()["Quotes"]
    assert [q["QuoteID"] for q in listed] == [quote["QuoteID"]]


def test_quote_unit_amounts_keep_two_decimals_even_when_unitdp_is_sent(xero, contact):
    line = {"Description": "Copper pipe", "Quantity": 13.5, "UnitAmount": 6.8296296}
    body = {"Contact": {"ContactID": contact["ContactID"]}, "LineItems": [line]}
    answer = xero.put("/Quotes", params={"unitdp": 4}, json={"Quotes": [body]})
    [priced] = answer.json()["Quotes"][0]["LineItems"]
    assert (priced["UnitAmount"], priced["LineAmount"]) == (6.83, 92.21)  # 13.5 × 6.83


def test_listing_quotes_with_unitdp_is_refused(xero, contact):
    _quote(xero, contact)
    answer = xero.get("/Quotes", params={"unitdp": 4})
    assert answer.status_code == 400 and "unitdp" in answer.text
