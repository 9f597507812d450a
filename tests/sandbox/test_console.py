"""The sandbox console: a change made "in QuickBooks" goes through the API's own code."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.sandbox import oauth, store
from apps.sandbox.companies import company_create
from apps.sandbox.models import SandboxWebhookDelivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory()
    client.force_login(user)
    return client


@pytest.fixture
def connected(qbo_app, qbo_company):
    qbo_app.webhook_url = "http://127.0.0.1:9/webhooks/quickbooks/"
    qbo_app.save()
    oauth.token_issue(app=qbo_app, company=qbo_company)
    return qbo_company


def _invoice(company, amount=100):
    from apps.sandbox.quickbooks import ops
    from apps.sandbox.quickbooks.schema import ENTITIES

    body = {"CustomerRef": {"value": "1"}, "Line": [{"Amount": amount}]}
    return ops.create(company, ENTITIES["Invoice"], body)


def test_console_needs_a_login(client):
    response = client.get(reverse("sandbox:index"))
    assert response.status_code == 302


def test_index_lists_companies_of_both_providers(staff, qbo_company):
    company_create(provider="xero", name="Kiwi Trades", country="NZ", seed=False)
    page = staff.get(reverse("sandbox:index")).content.decode()
    assert qbo_company.name in page and "Kiwi Trades" in page


def test_company_page_lists_records(staff, qbo_company):
    _invoice(qbo_company)
    page = staff.get(reverse("sandbox:qbo_console_company", args=[qbo_company.external_id]))
    assert page.status_code == 200
    assert "Amy&#x27;s Bird Sanctuary" in page.content.decode()


def test_editing_a_customer_bumps_its_sync_token_and_queues_a_webhook(
    staff, connected, django_capture_on_commit_callbacks
):
    url = reverse("sandbox:qbo_console_customer", args=[connected.external_id, "1"])
    with django_capture_on_commit_callbacks():
        response = staff.post(
            url, {"DisplayName": "Amy's Bird Sanctuary Ltd", "email": "amy@example.com"}
        )
    assert response.status_code == 302
    record = store.record_get(company=connected, entity="Customer", record_id="1")
    assert record.version == 1 and record.data["DisplayName"] == "Amy's Bird Sanctuary Ltd"
    assert record.data["PrimaryEmailAddr"] == {"Address": "amy@example.com"}
    assert SandboxWebhookDelivery.objects.filter(company=connected).count() == 1


def test_duplicate_name_in_the_console_is_shown_not_saved(staff, qbo_company):
    url = reverse("sandbox:qbo_console_customer", args=[qbo_company.external_id, "1"])
    response = staff.post(url, {"DisplayName": "Cool Cars"}, follow=True)
    assert "already" in response.content.decode()
    assert store.record_get(company=qbo_company, entity="Customer", record_id="1").version == 0


def test_editing_invoice_lines_recomputes_the_total(staff, qbo_company):
    invoice = _invoice(qbo_company)
    url = reverse("sandbox:qbo_console_invoice", args=[qbo_company.external_id, invoice.record_id])
    assert staff.get(url).status_code == 200
    staff.post(url, {"line-0-qty": "3", "line-0-price": "40", "DueDate": "2030-01-31"})
    invoice.refresh_from_db()
    assert invoice.data["TotalAmt"] == 120.0 and invoice.data["Balance"] == 120.0
    assert invoice.data["DueDate"] == "2030-01-31" and invoice.version == 1


def test_recording_a_payment_lowers_the_balance(staff, qbo_company):
    invoice = _invoice(qbo_company)
    args = [qbo_company.external_id, invoice.record_id]
    staff.post(reverse("sandbox:qbo_console_invoice_payment", args=args), {"amount": "30"})
    invoice.refresh_from_db()
    assert invoice.data["Balance"] == 70.0
    payments = store.records(qbo_company, "Payment")
    linked = [
        p for p in payments if p.data["Line"][0]["LinkedTxn"][0]["TxnId"] == invoice.record_id
    ]
    assert len(linked) == 1


def test_voiding_an_invoice_zeroes_it(staff, qbo_company):
    invoice = _invoice(qbo_company)
    args = [qbo_company.external_id, invoice.record_id]
    staff.post(reverse("sandbox:qbo_console_invoice_void", args=args))
    invoice.refresh_from_db()
    assert invoice.data["TotalAmt"] == 0 and invoice.data["PrivateNote"] == "Voided"


def test_unknown_company_is_404(staff):
    assert staff.get(reverse("sandbox:qbo_console_company", args=["123"])).status_code == 404


def test_payroll_can_be_turned_off_and_company_info_follows(staff, qbo_company):
    url = reverse("sandbox:qbo_console_payroll", args=[qbo_company.external_id])
    staff.post(url, {"payroll": "off"})
    qbo_company.refresh_from_db()
    assert qbo_company.payroll_enabled is False
    info = store.record_get(company=qbo_company, entity="CompanyInfo", record_id="1")
    assert {"Name": "PayrollFeature", "Value": "false"} in info.data["NameValue"]


def test_sandbox_rows_are_listed_in_the_admin(client, qbo_company):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345")
    client.force_login(admin_user)
    for model in ("sandboxcompany", "sandboxrecord", "sandboxrequest", "sandboxwebhookdelivery"):
        assert client.get(f"/admin/sandbox/{model}/").status_code == 200


def test_staff_can_create_a_seeded_company_of_either_provider(staff):
    from apps.sandbox.models import SandboxCompany

    staff.post(
        reverse("sandbox:company_new"),
        {"provider": "quickbooks", "name": "Demo CA", "country": "CA"},
    )
    company = SandboxCompany.objects.get(name="Demo CA")
    assert company.currency == "CAD" and company.payroll_enabled is False
    assert store.records(company, "TaxCode").exists()
    staff.post(
        reverse("sandbox:company_new"), {"provider": "xero", "name": "Demo NZ", "country": "NZ"}
    )
    assert SandboxCompany.objects.get(name="Demo NZ").provider == "xero"
    refused = staff.post(
        reverse("sandbox:company_new"), {"provider": "sage", "name": "x"}, follow=True
    )
    assert "Choose a provider" in refused.content.decode()
