from __future__ import annotations

import json

import pytest
import requests
from requests_oauthlib import OAuth2Session

from apps.sandbox.models import SandboxWebhookDelivery

from .conftest import XERO_SCOPE, XeroApi

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "http://127.0.0.1:9/callback/"


def _with_new_contacts(name: str, count: int = 3) -> dict:
    """A PUT /Invoices body of ``count`` invoices, each to a new contact."""
    line = {"Description": "Fix", "UnitAmount": 10, "AccountCode": "200"}
    return {
        "Invoices": [
            {"Type": "ACCREC", "Status": "AUTHORISED", "Contact": {"Name": f"{name} {n}"}}
            | {"LineItems": [line]}
            for n in range(count)
        ]
    }


def _events() -> list[dict]:
    rows = SandboxWebhookDelivery.objects.order_by("pk")
    return [event for row in rows for event in json.loads(row.payload)["events"]]


def test_requests_oauthlib_connects_with_pkce_and_reads_the_organisation(
    live_server, xero_app, xero_company, xero_base
):
    identity = f"{live_server.url}/sandbox/xero/identity/connect"
    session = OAuth2Session(
        xero_app.client_id, redirect_uri=CALLBACK, scope=XERO_SCOPE.split(), pkce="S256"
    )
    url, state = session.authorization_url(f"{identity}/authorize")
    assert requests.get(url, timeout=10).status_code == 200
    approved = requests.post(
        url,
        data={"action": "approve", "company": xero_company.external_id},
        allow_redirects=False,
        timeout=10,
    )
    session.fetch_token(
        f"{identity}/token",
        authorization_response=approved.headers["Location"],
        client_secret=xero_app.client_secret,
    )
    connections = session.get(f"{live_server.url}/sandbox/xero/connections", timeout=10).json()
    tenant_id = connections[0]["tenantId"]
    assert tenant_id == xero_company.external_id
    api = XeroApi(session, xero_base, tenant_id)
    org = api.get("/Organisation").json()["Organisations"][0]
    assert org["Name"] == xero_company.name


@pytest.fixture
def receiver(live_server, xero_app):
    xero_app.webhook_url = f"{live_server.url}/webhooks/xero/"
    xero_app.save(update_fields=["webhook_url"])


@pytest.mark.usefixtures("receiver")
def test_contact_and_invoice_changes_queue_xero_webhooks(xero):
    contact = xero.put("/Contacts", json={"Name": "Ann Fixit"}).json()["Contacts"][0]
    xero.post(f"/Contacts/{contact['ContactID']}", json={"FirstName": "Ann"})
    invoice = xero.put(
        "/Invoices",
        json={
            "Type": "ACCREC",
            "Status": "AUTHORISED",
            "Contact": {"ContactID": contact["ContactID"]},
            "LineItems": [{"Description": "Fix", "UnitAmount": 10, "AccountCode": "200"}],
        },
    ).json()["Invoices"][0]
    xero.put(
        "/Payments",
        json={
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Account": {"Code": "090"},
            "Amount": 11.5,
        },
    )
    seen = [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in _events()]
    assert ("CONTACT", "CREATE", contact["ContactID"]) in seen
    assert ("CONTACT", "UPDATE", contact["ContactID"]) in seen
    assert ("INVOICE", "CREATE", invoice["InvoiceID"]) in seen
    # The payment that settled it changed the invoice (PAID): Xero reports an invoice update.
    assert seen[-1] == ("INVOICE", "UPDATE", invoice["InvoiceID"])


@pytest.mark.usefixtures("receiver")
def test_refused_request_queues_no_webhook(xero):
    before = len(_events())
    xero.put(
        "/Contacts", json={"Contacts": [{"Name": "Good"}, {"Name": "Bad", "EmailAddress": "x"}]}
    )
    assert len(_events()) == before


@pytest.mark.usefixtures("receiver")
def test_one_put_of_invoices_with_new_contacts_numbers_every_event_in_order(xero):
    invoices = xero.put("/Invoices", json=_with_new_contacts("Batch Buyer")).json()["Invoices"]
    rows = SandboxWebhookDelivery.objects.order_by("pk")
    sequences = [json.loads(row.payload)["firstEventSequence"] for row in rows]
    assert sequences == list(range(1, len(rows) + 1))
    seen = [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in _events()]
    for invoice in invoices:
        assert ("INVOICE", "CREATE", invoice["InvoiceID"]) in seen
        assert ("CONTACT", "CREATE", invoice["Contact"]["ContactID"]) in seen


def test_one_put_posts_its_events_as_one_signed_notification(xero, xero_app):
    from apps.sandbox.webhooks import sign

    from ..test_webhooks import Receiver

    receiver = Receiver()
    xero_app.webhook_url = receiver.url
    xero_app.save(update_fields=["webhook_url"])
    try:
        invoices = xero.put("/Invoices", json=_with_new_contacts("Grouped Buyer")).json()[
            "Invoices"
        ]
        receiver.wait_for(1)
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    # Xero's payload carries an events array and the range of its sequence numbers.
    assert len(receiver.received) == 1
    headers, posted = receiver.received[0]
    assert headers["x-xero-signature"] == sign(xero_app.webhook_key, posted)
    payload = json.loads(posted)
    events = payload["events"]
    assert (payload["firstEventSequence"], payload["lastEventSequence"]) == (1, len(events))
    created = {(e["eventCategory"], e["resourceId"]) for e in events if e["eventType"] == "CREATE"}
    for invoice in invoices:
        assert ("INVOICE", invoice["InvoiceID"]) in created
        assert ("CONTACT", invoice["Contact"]["ContactID"]) in created
    assert not SandboxWebhookDelivery.objects.filter(delivered_at__isnull=True).exists()
