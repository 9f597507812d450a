from __future__ import annotations

import json
import uuid

import pytest

from apps.sandbox.models import SandboxRecord, SandboxWebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def _line(amount=100, quantity=2, **extra):
    return {
        "Description": "Service call",
        "Quantity": quantity,
        "UnitAmount": amount,
        "AccountCode": "200",
        **extra,
    }


def _invoice(xero, **fields):
    body = {"Type": "ACCREC", "Contact": {"Name": "Ann Fixit"}, "LineItems": [_line()], **fields}
    answer = xero.put("/Invoices", json={"Invoices": [body]})
    assert answer.status_code == 200, answer.text
    return answer.json()["Invoices"][0]


def _set_status(xero, invoice, status):
    return xero.post(f"/Invoices/{invoice['InvoiceID']}", json={"Status": status})


def _errors(answer) -> list[str]:
    return [e["Message"] for el in answer.json()["Elements"] for e in el["ValidationErrors"]]


def test_invoice_gets_number_totals_and_amount_due(xero):
    invoice = _invoice(xero)
    assert invoice["InvoiceNumber"] == "INV-0001"
    assert invoice["Status"] == "DRAFT"
    # NZ organisation: 15% GST on Income is the default sales tax.
    assert invoice["LineItems"][0]["TaxType"] == "OUTPUT2"
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (200.0, 30.0, 230.0)
    assert (invoice["AmountDue"], invoice["AmountPaid"]) == (230.0, 0.0)
    assert invoice["Contact"]["Name"] == "Ann Fixit"
    assert invoice["LineAmountTypes"] == "Exclusive"
    second = _invoice(xero)
    assert second["InvoiceNumber"] == "INV-0002"


def test_inclusive_and_no_tax_lines_are_priced_like_xero(xero):
    inclusive = _invoice(xero, LineAmountTypes="Inclusive", LineItems=[_line(115, 1)])
    assert (inclusive["SubTotal"], inclusive["TotalTax"], inclusive["Total"]) == (
        100.0,
        15.0,
        115.0,
    )
    no_tax = _invoice(xero, LineAmountTypes="NoTax", LineItems=[_line(50, 3)])
    assert (no_tax["TotalTax"], no_tax["Total"]) == (0.0, 150.0)
    assert no_tax["LineItems"][0]["TaxType"] == "NONE"


def test_line_discount_and_item_defaults(xero):
    invoice = _invoice(
        xero,
        LineItems=[
            {"ItemCode": "LABOUR", "Quantity": 2},
            _line(100, 1, DiscountRate=10, TaxType="NONE"),
        ],
    )
    labour, discounted = invoice["LineItems"]
    assert labour["UnitAmount"] == 85.0 and labour["AccountCode"] == "200"
    assert labour["Description"] == "Skilled labour, per hour"
    assert discounted["LineAmount"] == 90.0 and discounted["TaxAmount"] == 0.0
    assert invoice["SubTotal"] == 260.0


def test_unknown_tax_type_and_account_are_refused(xero):
    answer = xero.put(
        "/Invoices",
        json={"Type": "ACCREC", "Contact": {"Name": "Ann"}, "LineItems": [_line(TaxType="VAT99")]},
    )
    assert answer.status_code == 400
    assert "TaxType code 'VAT99'" in _errors(answer)[0]
    answer = xero.put(
        "/Invoices",
        json={"Type": "ACCREC", "Contact": {"Name": "Ann"}, "LineItems": [_line(AccountCode="9")]},
    )
    assert _errors(answer) == ["Account code '9' is not a valid code for this document."]


def test_invoice_number_must_be_unique(xero):
    _invoice(xero, InvoiceNumber="JOB-7")
    answer = xero.put(
        "/Invoices",
        json={"Type": "ACCREC", "InvoiceNumber": "JOB-7", "Contact": {"Name": "Ann"}},
    )
    assert _errors(answer) == ["Invoice # must be unique."]


def test_invoice_for_unknown_contact_id_is_refused(xero):
    answer = xero.put(
        "/Invoices",
        json={"Type": "ACCREC", "Contact": {"ContactID": str(uuid.uuid4())}, "LineItems": []},
    )
    assert answer.status_code == 400


def test_draft_moves_to_submitted_then_authorised(xero):
    invoice = _invoice(xero)
    assert _set_status(xero, invoice, "SUBMITTED").json()["Invoices"][0]["Status"] == "SUBMITTED"
    answer = _set_status(xero, invoice, "AUTHORISED")
    assert answer.json()["Invoices"][0]["Status"] == "AUTHORISED"
    assert answer.json()["Invoices"][0]["DueDate"].startswith("/Date(")


def test_authorising_needs_lines_with_account_codes(xero):
    invoice = _invoice(xero, LineItems=[{"Description": "No account", "UnitAmount": 5}])
    answer = _set_status(xero, invoice, "AUTHORISED")
    assert answer.status_code == 400
    assert _errors(answer) == ["Account code '' is not a valid code for this document."]


def test_drafts_can_be_deleted_but_authorised_invoices_cannot(xero):
    draft = _invoice(xero)
    deleted = _set_status(xero, draft, "DELETED").json()["Invoices"][0]
    assert deleted["Status"] == "DELETED" and deleted["AmountDue"] == 0.0
    assert _set_status(xero, draft, "DRAFT").status_code == 400
    approved = _invoice(xero, Status="AUTHORISED")
    answer = _set_status(xero, approved, "DELETED")
    assert answer.status_code == 400
    assert "void it instead" in _errors(answer)[0]


def test_authorised_invoice_without_payments_can_be_voided(xero):
    approved = _invoice(xero, Status="AUTHORISED")
    voided = _set_status(xero, approved, "VOIDED").json()["Invoices"][0]
    assert voided["Status"] == "VOIDED"
    draft = _invoice(xero)
    assert _set_status(xero, draft, "VOIDED").status_code == 400


def test_invoice_cannot_be_created_paid(xero):
    answer = xero.put(
        "/Invoices",
        json={"Type": "ACCREC", "Status": "PAID", "Contact": {"Name": "A"}, "LineItems": [_line()]},
    )
    assert answer.status_code == 400


def test_many_invoices_per_request_with_summarize_errors_false(xero):
    good = {"Type": "ACCREC", "Contact": {"Name": "Ann"}, "LineItems": [_line()]}
    bad = {"Type": "ACCREC", "Contact": {"Name": "Bob"}, "LineItems": [_line(TaxType="VAT99")]}
    answer = xero.put(
        "/Invoices", params={"summarizeErrors": "false"}, json={"Invoices": [good, bad, good]}
    )
    assert answer.status_code == 200
    first, refused, third = answer.json()["Invoices"]
    assert first["InvoiceNumber"] == "INV-0001" and third["InvoiceNumber"] == "INV-0002"
    assert refused["HasErrors"] is True and refused["ValidationErrors"]
    assert SandboxRecord.objects.filter(entity="Invoices").count() == 2
    # The refused invoice's new contact was rolled back with it.
    assert not SandboxRecord.objects.filter(entity="Contacts", data__Name="Bob").exists()


def test_idempotency_key_replays_the_first_answer_without_a_second_invoice(xero):
    body = {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "Ann"}, "LineItems": [_line()]}]}
    headers = {"Idempotency-Key": "change-42-create"}
    first = xero.put("/Invoices", json=body, headers=headers)
    again = xero.put("/Invoices", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json()["Invoices"][0]["InvoiceID"] == first.json()["Invoices"][0]["InvoiceID"]
    assert SandboxRecord.objects.filter(entity="Invoices").count() == 1
    other = xero.put("/Invoices", json=body, headers={"Idempotency-Key": "change-43-create"})
    assert other.json()["Invoices"][0]["InvoiceNumber"] == "INV-0002"


def test_invoice_can_be_read_by_number_and_filtered_by_status(xero):
    draft = _invoice(xero)
    approved = _invoice(xero, Status="AUTHORISED")
    by_number = xero.get(f"/Invoices/{draft['InvoiceNumber']}").json()["Invoices"][0]
    assert by_number["InvoiceID"] == draft["InvoiceID"]
    listed = xero.get("/Invoices", params={"Statuses": "AUTHORISED"}).json()["Invoices"]
    assert [i["InvoiceID"] for i in listed] == [approved["InvoiceID"]]
    where = xero.get("/Invoices", params={"where": 'Status=="DRAFT" AND Type=="ACCREC"'})
    assert [i["InvoiceID"] for i in where.json()["Invoices"]] == [draft["InvoiceID"]]
    contact_id = draft["Contact"]["ContactID"]
    by_contact = xero.get(
        "/Invoices", params={"where": f'Contact.ContactID==Guid("{contact_id}")'}
    ).json()["Invoices"]
    assert len(by_contact) == 2


def test_first_sales_invoice_marks_the_contact_as_customer(xero):
    contact = xero.put("/Contacts", json={"Name": "New Person"}).json()["Contacts"][0]
    assert contact["IsCustomer"] is False
    _invoice(xero, Contact={"ContactID": contact["ContactID"]})
    again = xero.get(f"/Contacts/{contact['ContactID']}").json()["Contacts"][0]
    assert again["IsCustomer"] is True


def test_a_sale_naming_a_new_contact_makes_a_customer_announced_once(xero, xero_app):
    xero_app.webhook_url = "http://127.0.0.1:9/webhooks/xero/"
    xero_app.save(update_fields=["webhook_url"])
    bill = {"Type": "ACCPAY", "Contact": {"Name": "Supply Co"}, "LineItems": [_line()]}
    sale = {"Type": "ACCREC", "Contact": {"Name": "Ann Fixit"}, "LineItems": [_line()]}
    answer = xero.put("/Invoices", json={"Invoices": [bill, sale, {**sale, "Reference": "2"}]})
    supplier, first, second = answer.json()["Invoices"]
    assert first["Contact"]["ContactID"] == second["Contact"]["ContactID"]
    assert (first["Contact"]["IsCustomer"], supplier["Contact"]["IsCustomer"]) == (True, False)
    stored = SandboxRecord.objects.get(entity="Contacts", data__Name="Ann Fixit")
    assert stored.data["IsCustomer"] is True
    events = [
        (event["eventCategory"], event["eventType"], event["resourceId"])
        for delivery in SandboxWebhookDelivery.objects.order_by("pk")
        for event in json.loads(delivery.payload)["events"]
    ]
    contact_events = [e for e in events if e[0] == "CONTACT"]
    assert contact_events == [
        ("CONTACT", "CREATE", supplier["Contact"]["ContactID"]),
        ("CONTACT", "CREATE", first["Contact"]["ContactID"]),
    ]


def test_only_the_written_elements_of_a_request_are_announced(xero, xero_app):
    xero_app.webhook_url = "http://127.0.0.1:9/webhooks/xero/"
    xero_app.save(update_fields=["webhook_url"])
    good = {"Type": "ACCREC", "Contact": {"Name": "Ann"}, "LineItems": [_line()]}
    bad = {"Type": "ACCREC", "Contact": {"Name": "Bob"}, "LineItems": [_line(TaxType="VAT99")]}
    answer = xero.put(
        "/Invoices", params={"summarizeErrors": "false"}, json={"Invoices": [good, bad, good]}
    )
    first, _, third = answer.json()["Invoices"]
    announced = {
        event["resourceId"]
        for delivery in SandboxWebhookDelivery.objects.all()
        for event in json.loads(delivery.payload)["events"]
    }
    written = set(SandboxRecord.objects.values_list("record_id", flat=True))
    assert announced == {first["InvoiceID"], third["InvoiceID"], first["Contact"]["ContactID"]}
    assert announced <= written


def test_a_contact_marked_a_customer_in_a_request_is_shown_so_by_its_later_sales(xero):
    bill = {"Type": "ACCPAY", "Contact": {"Name": "Supply Co"}, "LineItems": [_line()]}
    sale = {"Type": "ACCREC", "Contact": {"Name": "Supply Co"}, "LineItems": [_line()]}
    answer = xero.put("/Invoices", json={"Invoices": [bill, sale, sale]})
    shown = [invoice["Contact"]["IsCustomer"] for invoice in answer.json()["Invoices"]]
    assert shown == [False, True, True]
    stored = SandboxRecord.objects.get(entity="Contacts", data__Name="Supply Co")
    assert stored.data["IsCustomer"] is True


def test_refused_request_with_an_idempotency_key_can_be_retried_corrected(xero):
    headers = {"Idempotency-Key": "change-44-create"}
    bad = {"Type": "ACCREC", "Contact": {"Name": "Ann"}, "LineItems": [_line(TaxType="VAT99")]}
    assert xero.put("/Invoices", json=bad, headers=headers).status_code == 400
    good = {**bad, "LineItems": [_line()]}
    answer = xero.put("/Invoices", json=good, headers=headers)
    assert answer.status_code == 200
    assert answer.json()["Invoices"][0]["Total"] == 230.0


def test_post_by_invoice_number_in_the_path_updates_that_invoice(xero):
    invoice = _invoice(xero)
    answer = xero.post(f"/Invoices/{invoice['InvoiceNumber']}", json={"Reference": "Job 9"})
    updated = answer.json()["Invoices"][0]
    assert updated["InvoiceID"] == invoice["InvoiceID"] and updated["Reference"] == "Job 9"


def test_invoices_naming_a_new_contact_create_it_once_with_its_details(xero):
    contact = {"Name": "Dee Drains", "EmailAddress": "dee@example.com"}
    bodies = [{"Type": "ACCREC", "Contact": contact, "LineItems": [_line()]} for _ in range(2)]
    answer = xero.put("/Invoices", json={"Invoices": bodies})
    assert answer.status_code == 200, answer.text
    first, second = answer.json()["Invoices"]
    assert first["Contact"]["ContactID"] == second["Contact"]["ContactID"]
    assert first["Contact"]["EmailAddress"] == "dee@example.com"
    found = xero.get("/Contacts", params={"where": 'Name=="Dee Drains"'}).json()["Contacts"]
    assert [c["ContactID"] for c in found] == [first["Contact"]["ContactID"]]
    assert found[0]["EmailAddress"] == "dee@example.com"


def test_unit_amounts_keep_two_decimals_unless_the_request_asks_for_four(xero):
    """Xero rounds a unit amount to 2 decimals unless ``unitdp=4`` is asked for."""
    line = _line(amount=6.8296296, quantity=13.5)
    plain = _invoice(xero, LineItems=[line])
    assert plain["LineItems"][0]["UnitAmount"] == 6.83
    assert plain["LineItems"][0]["LineAmount"] == 92.21  # 13.5 × 6.83
    answer = xero.put(
        "/Invoices",
        params={"unitdp": 4},
        json={
            "Invoices": [{"Type": "ACCREC", "Contact": {"Name": "Ann Fixit"}, "LineItems": [line]}]
        },
    )
    four = answer.json()["Invoices"][0]
    assert four["LineItems"][0]["UnitAmount"] == 6.8296
    assert four["LineItems"][0]["LineAmount"] == 92.2  # 13.5 × 6.8296 = 92.1996


def test_a_tax_amount_given_on_a_line_replaces_the_one_xero_works_out(xero):
    worked_out = _invoice(xero, LineItems=[_line(amount=3.33, quantity=1)])
    assert worked_out["LineItems"][0]["TaxAmount"] == 0.5  # 15 % of 3.33 = 0.4995
    given = _invoice(xero, LineItems=[_line(amount=3.33, quantity=1, TaxAmount=0.49)])
    assert given["LineItems"][0]["TaxAmount"] == 0.49
    assert (given["TotalTax"], given["Total"]) == (0.49, 3.82)
