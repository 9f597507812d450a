from __future__ import annotations

import pytest

from apps.sandbox.xero.where import QueryError, compile_where

ANN = {
    "Name": "Ann Fixit",
    "EmailAddress": "Ann@Example.com",
    "IsCustomer": True,
    "Status": "AUTHORISED",
    "AmountDue": 25.5,
    "Date": "/Date(1717200000000+0000)/",
    "Contact": {"ContactID": "0b0bdd6a-5b63-4d1a-a5f4-6b7c3ff0cd18"},
}


@pytest.mark.parametrize(
    "where",
    [
        'EmailAddress=="ann@example.com"',
        'Name.ToLower()=="ann fixit"',
        'Name.Contains("fix") AND Name.StartsWith("Ann")',
        'Status!="PAID" && AmountDue>25',
        "Date>=DateTime(2024, 6, 1) AND Date<DateTime(2024,6,2)",
        'Contact.ContactID==Guid("0B0BDD6A-5B63-4D1A-A5F4-6B7C3FF0CD18")',
        'IsCustomer==true OR Name=="nobody"',
        'NOT (Status=="PAID")',
        "IsCustomer",
    ],
)
def test_where_forms_clients_use_match(where):
    assert compile_where(where)(ANN) is True


@pytest.mark.parametrize(
    "where",
    ['Name=="Bob"', "AmountDue>=30", 'Status=="PAID" OR Name.EndsWith("x")', 'Contact.Name=="Ann"'],
)
def test_where_that_should_not_match_does_not(where):
    assert compile_where(where)(ANN) is False


def test_escaped_quotes_inside_a_string_literal():
    row = {"Name": 'Bob "The Pipe" O\\Neil'}
    assert compile_where(r'Name=="Bob \"The Pipe\" O\\Neil"')(row)


@pytest.mark.parametrize(
    "where",
    [
        "Name==",
        'Name=="a" AND',
        '((Name=="a")',
        "Date>DateTime(2024,13,1)",
        "==3",
        "Name==Foo",
        '"x',
        "Name ~ 1",
    ],
)
def test_where_that_does_not_parse_is_a_query_error(where):
    with pytest.raises(QueryError):
        compile_where(where)(ANN)
