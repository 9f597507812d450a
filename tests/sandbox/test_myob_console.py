"""The MYOB console: staff see a company file's records and make a change "in MYOB"; a client
holding the record's old RowVersion then gets MYOB's 409, and a LastModified pull sees it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.sandbox.models import Provider, SandboxCompany
from tests.factories import UserFactory
from tests.sandbox.myob_fixtures import *  # noqa: F403 (fixtures)
from tests.sandbox.myob_helpers import customer_body, error_names, service_invoice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(client):
    client.force_login(UserFactory())
    return client


def test_index_lists_myob_company_files(staff, au_file):
    page = staff.get(reverse("sandbox:index")).content.decode()
    assert "MYOB Business company files" in page and au_file.name in page
    assert reverse("sandbox:myob_console", args=[au_file.external_id]) in page


def test_console_creates_an_australian_company_file_for_other_countries(staff):
    staff.post(reverse("sandbox:company_new"), {"provider": "myob", "name": "Dr", "country": "US"})
    created = SandboxCompany.objects.get(provider=Provider.MYOB, name="Dr")
    assert (created.country, created.currency) == ("AU", "AUD")


def test_company_file_page_lists_sample_records(staff, au_file):
    page = staff.get(reverse("sandbox:myob_console", args=[au_file.external_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Bondi Cafe Group" in text and "Undeposited Funds" in text and "GST" in text


def test_customer_edited_in_myob_gets_a_new_row_version(staff, myob, au_file):
    customer = myob.created("Contact/Customer", customer_body(myob, "Before Edit"))
    url = reverse("sandbox:myob_console_customer", args=[au_file.external_id, customer["UID"]])
    form = {"CompanyName": "After Edit", "Email": "new@after.example", "IsActive": "on"}
    assert staff.post(url, form).status_code == 302
    now = myob.get(f"Contact/Customer/{customer['UID']}").json()
    assert now["CompanyName"] == "After Edit"
    assert now["Addresses"][0]["Email"] == "new@after.example"
    assert now["RowVersion"] != customer["RowVersion"]
    since = f"LastModified gt datetime'{customer['LastModified']}'"
    changed = myob.get("Contact/Customer", **{"$filter": since}).json()["Items"]
    assert [row["UID"] for row in changed] == [customer["UID"]]
    stale = myob.put(f"Contact/Customer/{customer['UID']}", {**customer, "Notes": "late"})
    assert stale.status_code == 409 and error_names(stale) == ["ConcurrencyViolation"]


def test_invoice_edited_in_myob_keeps_its_totals(staff, myob, au_file):
    customer = myob.created("Contact/Customer", customer_body(myob))
    invoice = myob.created("Sale/Invoice/Service", service_invoice(myob, customer["UID"], 40))
    url = reverse("sandbox:myob_console_invoice", args=[au_file.external_id, invoice["UID"]])
    form = {"Date": "2026-12-09", "CustomerPurchaseOrderNumber": "PO-9", "Comment": "Thanks"}
    assert staff.post(url, form).status_code == 302
    now = myob.get(f"Sale/Invoice/Service/{invoice['UID']}").json()
    assert now["Date"] == "2026-12-09T00:00:00" and now["CustomerPurchaseOrderNumber"] == "PO-9"
    assert now["TotalAmount"] == 44.0 and now["RowVersion"] != invoice["RowVersion"]


def test_console_needs_a_login(client, au_file):
    page = client.get(reverse("sandbox:myob_console", args=[au_file.external_id]))
    assert page.status_code == 302


def test_company_file_page_lists_transfers_and_spend_money(staff, myob, au_file):
    accounts = {a["DisplayID"]: a["UID"] for a in myob.get("GeneralLedger/Account").json()["Items"]}
    myob.created(
        "Banking/TransferMoneyTxn",
        {
            "FromAccount": {"UID": accounts["1-1180"]},
            "ToAccount": {"UID": accounts["1-1110"]},
            "Amount": 96.8,
            "Date": "2026-12-04",
            "Memo": "Stripe payout po_console",
        },
    )
    text = staff.get(reverse("sandbox:myob_console", args=[au_file.external_id])).content
    assert "Transfer money" in text.decode() and "Stripe payout po_console" in text.decode()
