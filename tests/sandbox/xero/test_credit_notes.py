"""Credit notes in the Xero sandbox: written like invoices, their credit allocated to invoices
of the same contact or refunded in cash, each refusal as Xero refuses it
(docs/sandbox-xero.md, "Credit notes")."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from apps.sandbox.models import SandboxWebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def _invoice(xero, amount=100, contact="Ann Fixit", **extra):
    body = {
        "Type": "ACCREC",
        "Status": "AUTHORISED",
        "Contact": {"Name": contact},
        "LineAmountTypes": "NoTax",
        "LineItems": [{"Description": "Repair", "UnitAmount": amount, "AccountCode": "200"}],
        **extra,
    }
    return xero.put("/Invoices", json={"Invoices": [body]}).json()["Invoices"][0]


def _credit_note_body(amount=30, contact="Ann Fixit", **extra):
    return {
        "Type": "ACCRECCREDIT",
        "Status": "AUTHORISED",
        "Contact": {"Name": contact},
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {"Description": "Refund of call-out", "UnitAmount": amount, "AccountCode": "200"}
        ],
        **extra,
    }


def _credit_note(xero, amount=30, **extra):
    answer = xero.put("/CreditNotes", json={"CreditNotes": [_credit_note_body(amount, **extra)]})
    assert answer.status_code == 200, answer.text
    return answer.json()["CreditNotes"][0]


def _allocate(xero, note, invoice, amount, **extra):
    allocation = {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Amount": amount,
        "Date": "2026-11-20",
        **extra,
    }
    return xero.put(
        f"/CreditNotes/{note['CreditNoteID']}/Allocations", json={"Allocations": [allocation]}
    )


def _pay(xero, amount, *, invoice=None, note=None, code="090"):
    """A payment of an invoice, or a cash refund of a credit note."""
    payment = {"Account": {"Code": code}, "Amount": amount, "Date": "2026-11-21"}
    if invoice is not None:
        payment["Invoice"] = {"InvoiceID": invoice["InvoiceID"]}
    if note is not None:
        payment["CreditNote"] = {"CreditNoteID": note["CreditNoteID"]}
    return xero.put("/Payments", json={"Payments": [payment]})


def _reload(xero, collection, record_id):
    return xero.get(f"/{collection}/{record_id}").json()[collection][0]


def _refused(answer) -> str:
    assert answer.status_code == 400, answer.text
    return " | ".join(
        e["Message"] for element in answer.json()["Elements"] for e in element["ValidationErrors"]
    )


def test_a_credit_note_is_priced_numbered_and_has_its_total_as_remaining_credit(xero):
    note = _credit_note(xero, 30)
    assert note["Type"] == "ACCRECCREDIT" and note["Status"] == "AUTHORISED"
    assert note["CreditNoteNumber"] == "CN-0001"
    # New Zealand's 15 % on top of an Exclusive line.
    assert (note["SubTotal"], note["TotalTax"], note["Total"]) == (30.0, 4.5, 34.5)
    assert note["RemainingCredit"] == 34.5
    assert note["Contact"]["Name"] == "Ann Fixit"
    assert _credit_note(xero, 10)["CreditNoteNumber"] == "CN-0002"


def test_a_credit_note_is_read_by_number_and_listed_with_lines_only_by_page(xero):
    note = _credit_note(xero, 30, CreditNoteNumber="CR-77")
    assert _reload(xero, "CreditNotes", "CR-77")["CreditNoteID"] == note["CreditNoteID"]
    unpaged = xero.get("/CreditNotes").json()["CreditNotes"]
    assert unpaged[0]["LineItems"] == []
    paged = xero.get("/CreditNotes", params={"page": 1}).json()
    assert paged["CreditNotes"][0]["LineItems"][0]["Description"] == "Refund of call-out"
    assert paged["pagination"]["itemCount"] == 1


def test_credit_notes_are_listed_by_where_order_and_if_modified_since(xero):
    first = _credit_note(xero, 10)
    second = _credit_note(xero, 20, Status="DRAFT")
    drafts = xero.get("/CreditNotes", params={"where": 'Status=="DRAFT"'}).json()["CreditNotes"]
    assert [n["CreditNoteID"] for n in drafts] == [second["CreditNoteID"]]
    ordered = xero.get("/CreditNotes", params={"order": "Total DESC"}).json()["CreditNotes"]
    assert [n["CreditNoteID"] for n in ordered] == [second["CreditNoteID"], first["CreditNoteID"]]
    since_ms = int(second["UpdatedDateUTC"][6:19])
    changed = datetime.fromtimestamp(since_ms / 1000, tz=UTC).isoformat()
    xero.post(f"/CreditNotes/{first['CreditNoteID']}", json={"Reference": "changed"})
    since = xero.get("/CreditNotes", headers={"If-Modified-Since": changed}).json()["CreditNotes"]
    assert [n["CreditNoteID"] for n in since] == [first["CreditNoteID"]]


def test_a_duplicate_credit_note_number_is_refused(xero):
    _credit_note(xero, 10, CreditNoteNumber="CR-1")
    body = _credit_note_body(10, CreditNoteNumber="cr-1")
    assert "must be unique" in _refused(xero.put("/CreditNotes", json={"CreditNotes": [body]}))


def test_allocations_sent_with_the_credit_note_are_refused(xero):
    invoice = _invoice(xero)
    body = _credit_note_body(
        10, Allocations=[{"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 11.5}]
    )
    message = _refused(xero.put("/CreditNotes", json={"CreditNotes": [body]}))
    assert "/Allocations" in message
    assert xero.get("/CreditNotes").json()["CreditNotes"] == []


def test_allocating_part_of_a_credit_note_lowers_the_invoice_amount_due(xero):
    invoice = _invoice(xero, 100)
    note = _credit_note(xero, 30)
    answer = _allocate(xero, note, invoice, 20, Date="2026-11-20")
    assert answer.status_code == 200, answer.text
    allocation = answer.json()["Allocations"][0]
    assert allocation["Amount"] == 20.0
    assert allocation["Invoice"]["InvoiceID"] == invoice["InvoiceID"]
    after = _reload(xero, "Invoices", invoice["InvoiceID"])
    assert (after["AmountDue"], after["AmountCredited"]) == (80.0, 20.0)
    assert after["Status"] == "AUTHORISED"
    assert after["CreditNotes"][0]["CreditNoteID"] == note["CreditNoteID"]
    assert after["CreditNotes"][0]["AppliedAmount"] == 20.0
    note_after = _reload(xero, "CreditNotes", note["CreditNoteID"])
    assert (note_after["RemainingCredit"], note_after["Status"]) == (14.5, "AUTHORISED")
    assert note_after["Allocations"][0]["Amount"] == 20.0


def test_allocating_the_whole_balance_makes_invoice_and_credit_note_paid(xero):
    invoice = _invoice(xero, 30, LineAmountTypes="Exclusive")  # 34.50 with tax
    note = _credit_note(xero, 30)
    assert _allocate(xero, note, invoice, 34.5).status_code == 200
    after = _reload(xero, "Invoices", invoice["InvoiceID"])
    assert (after["AmountDue"], after["Status"]) == (0.0, "PAID")
    note_after = _reload(xero, "CreditNotes", note["CreditNoteID"])
    assert (note_after["RemainingCredit"], note_after["Status"]) == (0.0, "PAID")


def test_allocating_more_than_the_credit_left_or_the_invoice_owes_is_refused(xero):
    invoice = _invoice(xero, 100)
    note = _credit_note(xero, 30)  # 34.50
    message = _refused(_allocate(xero, note, invoice, 34.51))
    assert message == "Credit Note cannot be allocated as amount is greater than amount outstanding"
    small = _invoice(xero, 10)
    assert "greater than amount outstanding" in _refused(_allocate(xero, note, small, 10.01))
    assert _reload(xero, "CreditNotes", note["CreditNoteID"])["RemainingCredit"] == 34.5
    assert _reload(xero, "Invoices", small["InvoiceID"])["AmountDue"] == 10.0


def test_allocating_to_a_paid_off_invoice_is_refused(xero):
    invoice = _invoice(xero, 10)
    _pay(xero, 10, invoice=invoice)
    note = _credit_note(xero, 5)
    message = _refused(_allocate(xero, note, invoice, 5))
    assert "has already been paid off" in message


def test_allocating_to_another_contacts_invoice_or_a_bill_is_refused(xero):
    note = _credit_note(xero, 30)
    other = _invoice(xero, 100, contact="Bob Other")
    assert "same contact" in _refused(_allocate(xero, note, other, 5))
    bill = _invoice(xero, 100, Type="ACCPAY")
    assert "incorrect invoice type" in _refused(_allocate(xero, note, bill, 5))


def test_a_draft_credit_note_or_a_draft_invoice_cannot_be_allocated(xero):
    invoice = _invoice(xero, 100)
    draft_note = _credit_note(xero, 30, Status="DRAFT")
    assert "Authorised credit notes" in _refused(_allocate(xero, draft_note, invoice, 5))
    draft_invoice = _invoice(xero, 100, Status="DRAFT")
    note = _credit_note(xero, 30)
    assert "Authorised invoices" in _refused(_allocate(xero, note, draft_invoice, 5))


def test_an_allocation_with_a_zero_amount_or_an_unknown_invoice_is_refused(xero):
    invoice = _invoice(xero, 100)
    note = _credit_note(xero, 30)
    assert "greater than zero" in _refused(_allocate(xero, note, invoice, 0))
    unknown = {"InvoiceID": "00000000-0000-0000-0000-000000000001"}
    assert "valid InvoiceID" in _refused(_allocate(xero, note, unknown, 5))


def test_allocating_to_an_unknown_credit_note_is_not_found(xero):
    invoice = _invoice(xero, 100)
    missing = {"CreditNoteID": "00000000-0000-0000-0000-000000000002"}
    assert _allocate(xero, missing, invoice, 5).status_code == 404


def test_an_allocation_repeated_with_its_idempotency_key_is_made_once(xero):
    invoice = _invoice(xero, 100)
    note = _credit_note(xero, 30)
    headers = {"Idempotency-Key": "alloc-1"}
    allocation = {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Amount": 10,
        "Date": "2026-11-20",
    }
    body = {"Allocations": [allocation]}
    path = f"/CreditNotes/{note['CreditNoteID']}/Allocations"
    first = xero.put(path, json=body, headers=headers).json()
    again = xero.put(path, json=body, headers=headers).json()
    assert first["Allocations"][0]["AllocationID"] == again["Allocations"][0]["AllocationID"]
    assert _reload(xero, "Invoices", invoice["InvoiceID"])["AmountDue"] == 90.0


def test_a_credited_invoice_cannot_be_voided_or_edited(xero):
    invoice = _invoice(xero, 100)
    note = _credit_note(xero, 30)
    _allocate(xero, note, invoice, 10)
    void = xero.post(f"/Invoices/{invoice['InvoiceID']}", json={"Status": "VOIDED"})
    assert "credit note allocated" in _refused(void)
    lines = [{"Description": "Changed", "UnitAmount": 50, "AccountCode": "200"}]
    edit = xero.post(f"/Invoices/{invoice['InvoiceID']}", json={"LineItems": lines})
    assert "payment or credit note allocated" in _refused(edit)


def test_a_cash_refund_lowers_the_credit_notes_remaining_credit(xero):
    note = _credit_note(xero, 30)
    answer = _pay(xero, 4.5, note=note)
    assert answer.status_code == 200, answer.text
    payment = answer.json()["Payments"][0]
    assert payment["PaymentType"] == "ARCREDITPAYMENT"
    assert payment["CreditNote"]["CreditNoteNumber"] == note["CreditNoteNumber"]
    after = _reload(xero, "CreditNotes", note["CreditNoteID"])
    assert (after["RemainingCredit"], after["Status"]) == (30.0, "AUTHORISED")
    assert after["Payments"][0]["PaymentID"] == payment["PaymentID"]
    rest = _pay(xero, 30, note=note)
    assert rest.status_code == 200
    assert _reload(xero, "CreditNotes", note["CreditNoteID"])["Status"] == "PAID"
    deleted = xero.post(f"/Payments/{payment['PaymentID']}", json={"Status": "DELETED"})
    assert deleted.json()["Payments"][0]["Status"] == "DELETED"
    back = _reload(xero, "CreditNotes", note["CreditNoteID"])
    assert (back["RemainingCredit"], back["Status"]) == (4.5, "AUTHORISED")


def test_a_refund_beyond_the_credit_left_or_from_a_non_bank_account_is_refused(xero):
    note = _credit_note(xero, 30)
    assert "exceeds the amount outstanding" in _refused(_pay(xero, 34.51, note=note))
    assert "Account type is invalid" in _refused(_pay(xero, 5, note=note, code="200"))
    draft = _credit_note(xero, 30, Status="DRAFT")
    assert "Authorised credit notes" in _refused(_pay(xero, 5, note=draft))
    assert _reload(xero, "CreditNotes", note["CreditNoteID"])["RemainingCredit"] == 34.5


def test_an_allocated_or_refunded_credit_note_cannot_be_voided_until_undone(xero):
    note = _credit_note(xero, 30)
    payment = _pay(xero, 5, note=note).json()["Payments"][0]
    void = xero.post(f"/CreditNotes/{note['CreditNoteID']}", json={"Status": "VOIDED"})
    assert "payment allocated" in _refused(void)
    xero.post(f"/Payments/{payment['PaymentID']}", json={"Status": "DELETED"})
    voided = xero.post(f"/CreditNotes/{note['CreditNoteID']}", json={"Status": "VOIDED"})
    assert voided.json()["CreditNotes"][0]["Status"] == "VOIDED"
    assert voided.json()["CreditNotes"][0]["RemainingCredit"] == 0.0


def test_a_credit_note_change_is_notified_with_its_type_and_status(xero, xero_app):
    """Xero's webhooks cover contacts, invoices and credit notes; a credit note's event
    carries its Type and Status (docs/sandbox-xero.md)."""
    xero_app.webhook_url = "http://127.0.0.1:9/webhooks/xero/"
    xero_app.save(update_fields=["webhook_url"])
    _invoice(xero, 10)  # the contact exists before the credit note
    SandboxWebhookDelivery.objects.all().delete()
    note = _credit_note(xero, 30)
    events = [
        event
        for delivery in SandboxWebhookDelivery.objects.all()
        for event in json.loads(delivery.payload)["events"]
        if event["eventCategory"] == "CREDITNOTE"
    ]
    assert [(e["resourceId"], e["eventType"]) for e in events] == [(note["CreditNoteID"], "CREATE")]
    assert events[0]["data"] == {"Type": "ACCRECCREDIT", "Status": "AUTHORISED"}
    assert events[0]["resourceUrl"].endswith(f"/CreditNotes/{note['CreditNoteID']}")


def test_deleting_an_allocation_gives_the_credit_back_and_reopens_the_invoice(xero):
    invoice = _invoice(xero, 30, LineAmountTypes="Exclusive")  # 34.50
    note = _credit_note(xero, 30)
    allocation = _allocate(xero, note, invoice, 34.5).json()["Allocations"][0]
    assert _reload(xero, "Invoices", invoice["InvoiceID"])["Status"] == "PAID"
    path = f"/CreditNotes/{note['CreditNoteID']}/Allocations/{allocation['AllocationID']}"
    gone = xero.call("DELETE", path)
    assert gone.status_code == 200 and gone.json()["IsDeleted"] is True
    after = _reload(xero, "Invoices", invoice["InvoiceID"])
    assert (after["Status"], after["AmountDue"], after["AmountCredited"]) == (
        "AUTHORISED",
        34.5,
        0.0,
    )
    assert after["CreditNotes"] == []
    note_after = _reload(xero, "CreditNotes", note["CreditNoteID"])
    assert (note_after["Status"], note_after["RemainingCredit"]) == ("AUTHORISED", 34.5)
    assert xero.call("DELETE", path).status_code == 404


def test_an_allocation_without_its_date_is_refused_not_dated_today(xero):
    invoice = _invoice(xero, 100)
    note = _credit_note(xero, 30)
    assert _refused(_allocate(xero, note, invoice, 10, Date=None)) == "Date is required."
    assert _reload(xero, "Invoices", invoice["InvoiceID"])["AmountDue"] == 100.0
