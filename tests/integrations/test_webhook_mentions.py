"""What a received notification names, in the engine's words, and notifications about the
organisation data the hub keeps per company: they drop the kept copy and start no pull."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from apps.integrations import reference_cache, webhooks
from apps.integrations.models import Provider, WebhookEvent
from apps.integrations.quickbooks.taxes import SALES_CODES
from apps.integrations.webhooks import mention_of
from tests.integrations.test_webhooks import QBO_URL, _post, _sign

pytestmark = pytest.mark.django_db


def test_both_quickbooks_shapes_and_xero_name_the_record_and_when_it_changed():
    cloud = {
        "type": "qbo.salesreceipt.created.v1",
        "intuitentityid": "77",
        "time": "2026-12-06T07:00:01.5Z",
    }
    legacy = {"name": "Invoice", "id": "12", "operation": "Delete", "lastUpdated": "2026-12-06"}
    xero = {"eventCategory": "CONTACT", "resourceId": "ab-1", "eventDateUtc": "2026-12-06T07:00"}

    receipt = mention_of(Provider.QUICKBOOKS, cloud)
    assert (receipt.kind, receipt.remote_id) == ("payment", "SalesReceipt/77")
    assert receipt.at == datetime(2026, 12, 6, 7, 0, 1, 500000, tzinfo=UTC)
    deleted = mention_of(Provider.QUICKBOOKS, legacy)
    assert (deleted.kind, deleted.remote_id, deleted.deleted) == ("invoice", "12", True)
    contact = mention_of(Provider.XERO, xero)
    assert (contact.kind, contact.at) == ("customer", datetime(2026, 12, 6, 7, 0, tzinfo=UTC))
    credit = mention_of(Provider.XERO, {**xero, "eventCategory": "CREDITNOTE"})
    assert credit.kind == "credit_note"
    assert mention_of(Provider.XERO, {**xero, "eventCategory": "SUBSCRIPTION"}).kind is None


def test_a_tax_code_changed_in_quickbooks_drops_the_kept_codes_and_starts_no_pull(
    client, settings, make_integration, monkeypatch, django_capture_on_commit_callbacks
):
    pulls: list = []
    monkeypatch.setattr(webhooks, "_pull", pulls.extend)
    integration = make_integration(Provider.QUICKBOOKS, remote_company_id="9130002")
    assert integration.is_connected and integration.sync_enabled  # any other event is pulled
    reference_cache.keep(integration, SALES_CODES, ["kept"])
    body = json.dumps(
        [
            {
                "specversion": "1.0",
                "id": "evt-tax",
                "source": "intuit.test",
                "type": "qbo.taxcode.updated.v1",
                "intuitentityid": "7",
                "intuitaccountid": "9130002",
            }
        ]
    ).encode()

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client, QBO_URL, body, "intuit-signature", _sign(body, settings.QBO_WEBHOOK_VERIFIER)
        )

    assert response.status_code == 200
    assert WebhookEvent.objects.filter(integration=integration).count() == 1
    assert pulls == []
    assert reference_cache.kept(integration, SALES_CODES, lambda: "read again") == ("read again")
