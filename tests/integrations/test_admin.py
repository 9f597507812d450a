"""The Django admin for integrations: looking at them never shows a token."""

from __future__ import annotations

import pytest

from apps.integrations import crypto
from apps.integrations.models import Integration, Provider, WebhookEvent

pytestmark = pytest.mark.django_db


def test_admin_lists_integrations_and_shows_no_token(admin_client, make_integration):
    integration = make_integration(
        Provider.XERO, access_token_encrypted=crypto.encrypt("secret-access")
    )

    listing = admin_client.get("/admin/integrations/integration/").content.decode()
    detail = admin_client.get(f"/admin/integrations/integration/{integration.pk}/change/")

    assert "Harbour Test Co books" in listing
    assert detail.status_code == 200
    assert integration.access_token_encrypted not in detail.content.decode()


def test_admin_disconnect_action_keeps_the_row(admin_client, make_integration):
    integration = make_integration(Provider.QUICKBOOKS)

    response = admin_client.post(
        "/admin/integrations/integration/",
        {"action": "disconnect", "_selected_action": [integration.pk]},
        follow=True,
    )

    assert "1 integration(s) disconnected." in response.content.decode()
    integration.refresh_from_db()
    assert integration.status == Integration.Status.DISCONNECTED


def test_admin_lists_webhook_events(admin_client):
    WebhookEvent.objects.create(provider=Provider.XERO, event_id="abc123", payload={})

    assert "abc123" in admin_client.get("/admin/integrations/webhookevent/").content.decode()
