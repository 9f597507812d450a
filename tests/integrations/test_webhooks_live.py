"""The sandboxes' own signed notifications reach the receivers over real HTTP."""

from __future__ import annotations

import pytest

from apps.integrations.models import Provider, WebhookEvent
from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxWebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def test_changes_in_both_connected_companies_arrive_as_verified_webhooks(connected):
    qbo = connected(Provider.QUICKBOOKS)
    xero = connected(Provider.XERO)
    WebhookEvent.objects.all().delete()

    for integration, entity, data in (
        (qbo, "Customer", {"DisplayName": "Webhook Wendy"}),
        (xero, "Contacts", {"Name": "Webhook Walter"}),
    ):
        company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
        store.record_create(company=company, entity=entity, data=data)

    events = {event.provider: event for event in WebhookEvent.objects.all()}
    assert set(events) == {Provider.QUICKBOOKS, Provider.XERO}
    assert events[Provider.QUICKBOOKS].integration == qbo
    assert events[Provider.XERO].integration == xero
    assert events[Provider.XERO].payload["eventCategory"] == "CONTACT"
    assert not SandboxWebhookDelivery.objects.filter(delivered_at__isnull=True).exists()
