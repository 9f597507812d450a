"""The MYOB sandbox through HTTP, as a MYOB client sees it: company files, customers, service
invoices, reading back through Location, RowVersion conflicts and deleted records."""

from __future__ import annotations

import pytest

from tests.sandbox.myob_fixtures import *  # noqa: F403 (fixtures)
from tests.sandbox.myob_helpers import customer_body, error_names, service_invoice

pytestmark = pytest.mark.django_db(transaction=True)


def test_company_files_list_the_granted_australian_file(myob, au_file):
    answer = myob.session.get(f"{myob.root}/", timeout=10)
    assert answer.status_code == 200
    (found,) = answer.json()
    assert found["Id"] == au_file.external_id
    assert found["Country"] == "AU" and found["Name"] == "Clearwater Plumbing"
    assert found["Uri"].endswith(f"/accountright/{au_file.external_id}")
    company = myob.get("Company").json()
    assert company["CurrencyCode"] == "AUD"


def test_sample_file_has_gst_codes_income_accounts_and_undeposited_funds(myob):
    codes = {row["Code"]: row["Rate"] for row in myob.get("GeneralLedger/TaxCode").json()["Items"]}
    assert codes["GST"] == 10.0 and codes["FRE"] == 0.0 and "N-T" in codes
    accounts = myob.get("GeneralLedger/Account").json()["Items"]
    income = [a for a in accounts if a["DisplayID"].startswith("4-") and not a["IsHeader"]]
    assert income and all(a["Classification"] == "Income" for a in income)
    assert any(a["Name"] == "Undeposited Funds" for a in accounts)
    assert myob.get("Contact/Customer").json()["Count"] >= 3
    assert myob.get("Inventory/Item").json()["Count"] >= 3


def test_created_customer_is_read_back_through_its_location(myob):
    customer = myob.created("Contact/Customer", customer_body(myob, "Sydney Sparks"))
    assert customer["CompanyName"] == "Sydney Sparks"
    assert customer["URI"].endswith(f"/Contact/Customer/{customer['UID']}")
    assert customer["RowVersion"] and customer["LastModified"]
    found = myob.one("Contact/Customer", **{"$filter": "CompanyName eq 'sydney sparks'"})
    assert found["UID"] == customer["UID"]


def test_service_invoice_totals_include_ten_percent_gst(myob):
    customer = myob.created("Contact/Customer", customer_body(myob))
    invoice = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"], 200))
    assert invoice["Subtotal"] == 200.0 and invoice["TotalTax"] == 20.0
    assert invoice["TotalAmount"] == 220.0 and invoice["BalanceDueAmount"] == 220.0
    assert invoice["Status"] == "Open" and invoice["Number"]
    assert invoice["URI"].endswith(f"/Sale/Invoice/Service/{invoice['UID']}")
    assert invoice["Customer"]["UID"] == customer["UID"]


def test_update_with_the_current_row_version_changes_it(myob):
    customer = myob.created("Contact/Customer", customer_body(myob))
    path = f"Contact/Customer/{customer['UID']}"
    answer = myob.put(path, {**customer, "CompanyName": "Renamed Pty Ltd"})
    assert answer.status_code == 200, answer.text
    after = myob.get(path).json()
    assert after["CompanyName"] == "Renamed Pty Ltd"
    assert after["RowVersion"] != customer["RowVersion"]
    assert after["LastModified"] >= customer["LastModified"]


def test_stale_row_version_is_a_409_concurrency_violation(myob):
    customer = myob.created("Contact/Customer", customer_body(myob))
    path = f"Contact/Customer/{customer['UID']}"
    assert myob.put(path, {**customer, "CompanyName": "First edit"}).status_code == 200
    stale = myob.put(path, {**customer, "CompanyName": "Second edit"})
    assert stale.status_code == 409
    assert error_names(stale) == ["ConcurrencyViolation"]
    assert myob.get(path).json()["CompanyName"] == "First edit"


def test_put_without_row_version_is_refused(myob):
    customer = myob.created("Contact/Customer", customer_body(myob))
    body = {k: v for k, v in customer.items() if k != "RowVersion"}
    answer = myob.put(f"Contact/Customer/{customer['UID']}", body)
    assert answer.status_code == 400 and error_names(answer) == ["Required"]


def test_deleted_customer_answers_410_and_leaves_the_list(myob):
    customer = myob.created("Contact/Customer", customer_body(myob, "Gone Soon"))
    path = f"Contact/Customer/{customer['UID']}"
    assert myob.delete(path).status_code == 200
    assert myob.get(path).status_code == 410
    assert error_names(myob.get(path)) == ["ResourceRemoved"]
    left = myob.get("Contact/Customer", **{"$filter": "CompanyName eq 'Gone Soon'"}).json()
    assert left["Count"] == 0


def test_unknown_uid_is_404(myob):
    answer = myob.get("Contact/Customer/00000000-0000-0000-0000-000000000000")
    assert answer.status_code == 404 and error_names(answer) == ["ResourceNotFound"]


def test_post_carrying_a_uid_is_a_409(myob):
    body = {**customer_body(myob), "UID": "11111111-1111-1111-1111-111111111111"}
    answer = myob.post("Contact/Customer", body)
    assert answer.status_code == 409


def test_a_repeated_post_makes_a_second_customer_no_idempotency_key(myob):
    body = customer_body(myob, "Twice Pty Ltd")
    headers = {"Idempotency-Key": "same-key"}
    for _ in range(2):
        url = f"{myob.cf}/Contact/Customer"
        assert myob.session.post(url, json=body, headers=headers, timeout=10).status_code == 201
    found = myob.get("Contact/Customer", **{"$filter": "CompanyName eq 'Twice Pty Ltd'"})
    assert found.json()["Count"] == 2


def test_invoice_read_changed_and_put_back_keeps_its_number_and_recomputes(myob):
    customer = myob.created("Contact/Customer", customer_body(myob))
    invoice = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"], 100))
    invoice["Lines"][0]["Total"] = 300.0
    invoice["Comment"] = "Extra hours"
    path = f"Sale/Invoice/Service/{invoice['UID']}"
    answer = myob.put(path, invoice)
    assert answer.status_code == 200, answer.text
    now = myob.get(path).json()
    assert now["Number"] == invoice["Number"] and now["Comment"] == "Extra hours"
    assert now["TotalAmount"] == 330.0 and now["BalanceDueAmount"] == 330.0
    assert now["Lines"][0]["RowVersion"] != invoice["Lines"][0]["RowVersion"]


def test_deleted_invoice_is_gone_for_put_and_delete_too(myob):
    customer = myob.created("Contact/Customer", customer_body(myob))
    invoice = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"]))
    path = f"Sale/Invoice/Service/{invoice['UID']}"
    assert myob.delete(path).status_code == 200
    assert myob.put(path, invoice).status_code == 410
    assert myob.delete(path).status_code == 410


def test_injected_throttle_answers_as_myob_does(myob, au_file):
    from apps.sandbox import control

    control.fault_inject(company=au_file, kind="429", count=1)
    throttled = myob.get("Contact/Customer")
    assert throttled.status_code == 403 and error_names(throttled) == ["RateLimitError"]
    assert myob.get("Contact/Customer").status_code == 200
