from __future__ import annotations

import json

import pytest
from django.urls import reverse

from apps.sandbox import oauth, store
from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.companies import company_create
from apps.sandbox.models import Provider, SandboxRecord, SandboxWebhookDelivery
from apps.sandbox.xero.writes import KINDS, write_one
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    company = company_create(provider=Provider.XERO, name="Console Plumbing", country="AU")
    app = next(app for app in ensure_default_apps() if app.provider == Provider.XERO)
    app.webhook_url = "http://127.0.0.1:9/webhooks/xero/"  # queued, never delivered here
    app.save(update_fields=["webhook_url"])
    oauth.token_issue(app=app, company=company)  # a connected app, so changes are notified
    return company


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(username="dana", organisation=OrganisationFactory()))
    return client


@pytest.fixture
def invoice(company):
    contact = store.records(company, "Contacts").first()
    element = {
        "Type": "ACCREC",
        "Status": "AUTHORISED",
        "Contact": {"ContactID": contact.record_id},
        "LineItems": [{"Description": "Repair", "UnitAmount": 100, "AccountCode": "200"}],
    }
    return write_one(company, KINDS["Invoices"], element)


def _url(name, company, **kwargs):
    return reverse(f"sandbox:{name}", kwargs={"tenant": company.external_id, **kwargs})


def _events(category):
    payloads = [json.loads(row.payload) for row in SandboxWebhookDelivery.objects.all()]
    return [e for p in payloads for e in p["events"] if e["eventCategory"] == category]


def test_console_needs_a_signed_in_user(client, company):
    answer = client.get(_url("xero_console_tenant", company))
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_tenant_page_lists_contacts_and_invoices(staff, company, invoice):
    page = staff.get(_url("xero_console_tenant", company)).content.decode()
    assert "Bayside Club" in page
    assert invoice.data["InvoiceNumber"] in page


def test_console_index_links_the_tenant_page(staff, company):
    page = staff.get(reverse("sandbox:index")).content.decode()
    assert _url("xero_console_tenant", company) in page


def test_editing_a_contact_is_a_change_made_in_xero(staff, company):
    contact = store.records(company, "Contacts").first()
    url = _url("xero_console_contact", company, contact_id=contact.record_id)
    assert staff.get(url).status_code == 200
    answer = staff.post(
        url,
        {
            "Name": "Bayside Bowls Club",
            "EmailAddress": "club@example.com",
            "ContactStatus": "ACTIVE",
        },
    )
    assert answer.status_code == 302
    contact.refresh_from_db()
    assert contact.data["Name"] == "Bayside Bowls Club" and contact.version == 1
    assert [e["eventType"] for e in _events("CONTACT")] == ["UPDATE"]


def test_console_refuses_a_duplicate_contact_name_like_the_api(staff, company):
    first, second = store.records(company, "Contacts").order_by("pk")[:2]
    url = _url("xero_console_contact", company, contact_id=second.record_id)
    answer = staff.post(url, {"Name": first.data["Name"], "ContactStatus": "ACTIVE"})
    assert answer.status_code == 200
    assert "is already assigned to another contact" in answer.content.decode()
    second.refresh_from_db()
    assert second.version == 0


def test_recording_a_payment_settles_the_invoice(staff, company, invoice):
    url = _url("xero_console_invoice_pay", company, invoice_id=invoice.record_id)
    staff.post(url, {"Amount": "110.00", "Date": "2026-11-20", "Reference": "Card"})
    invoice.refresh_from_db()
    assert invoice.data["Status"] == "PAID" and invoice.data["AmountDue"] == 0.0
    assert SandboxRecord.objects.filter(entity="Payments", company=company).count() == 1
    assert _events("INVOICE")[-1]["eventType"] == "UPDATE"


def test_voiding_an_invoice_from_the_console(staff, company, invoice):
    page = staff.get(_url("xero_console_invoice", company, invoice_id=invoice.record_id))
    assert "Void invoice" in page.content.decode()
    staff.post(_url("xero_console_invoice_void", company, invoice_id=invoice.record_id))
    invoice.refresh_from_db()
    assert invoice.data["Status"] == "VOIDED" and invoice.version == 1


def test_void_of_a_paid_invoice_is_refused_with_a_message(staff, company, invoice):
    pay = _url("xero_console_invoice_pay", company, invoice_id=invoice.record_id)
    staff.post(pay, {"Amount": "10.00", "Date": "2026-11-20"})
    answer = staff.post(
        _url("xero_console_invoice_void", company, invoice_id=invoice.record_id), follow=True
    )
    assert "payment allocated" in answer.content.decode()
    invoice.refresh_from_db()
    assert invoice.data["Status"] == "AUTHORISED"


def test_editing_an_invoice_reference_and_due_date(staff, company, invoice):
    url = _url("xero_console_invoice", company, invoice_id=invoice.record_id)
    staff.post(url, {"Reference": "Job 12", "DueDate": "2026-12-24", "Status": "AUTHORISED"})
    invoice.refresh_from_db()
    assert invoice.data["Reference"] == "Job 12"
    assert invoice.data["DueDateString"] == "2026-12-24T00:00:00"


def test_unknown_tenant_or_record_is_not_found(staff, company):
    assert staff.get(reverse("sandbox:xero_console_tenant", args=["nope"])).status_code == 404
    url = _url("xero_console_invoice", company, invoice_id="00000000-0000-0000-0000-000000000000")
    assert staff.get(url).status_code == 404
