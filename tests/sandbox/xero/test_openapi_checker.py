from __future__ import annotations

import pytest

from .openapi import SpecMismatch, validate

URL = "http://testserver/sandbox/xero/api.xro/2.0"


def test_checker_accepts_a_well_formed_contact_list():
    body = {"Contacts": [{"ContactID": "0b0bdd6a-5b63-4d1a-a5f4-6b7c3ff0cd18", "Name": "Ann"}]}
    validate("GET", f"{URL}/Contacts", 200, body)


@pytest.mark.parametrize(
    "body",
    [
        {"Contacts": [{"ContactID": "not-a-guid"}]},
        {"Contacts": [{"Name": None}]},
        {"Contacts": [{"ContactStatus": "SLEEPING"}]},
        {"Contacts": {"Name": "not a list"}},
    ],
)
def test_checker_refuses_what_the_spec_forbids(body):
    with pytest.raises(SpecMismatch):
        validate("GET", f"{URL}/Contacts", 200, body)


def test_checker_uses_the_error_schema_for_refusals():
    validate("PUT", f"{URL}/Invoices", 400, {"ErrorNumber": 10, "Elements": []})
    with pytest.raises(SpecMismatch):
        validate("PUT", f"{URL}/Invoices", 400, {"ErrorNumber": "ten"})


def test_checker_knows_paths_outside_the_api_are_not_operations():
    with pytest.raises(SpecMismatch):
        validate("GET", f"{URL}/Spaceships", 200, {})
