"""Connecting is a guided choice: the page before the consent page, a new connection waiting for
Start on the Integrations page, and the same options on the integration's settings page."""

from __future__ import annotations

import pytest

from apps.integrations.models import Provider
from apps.sync import receivers

QBO = Provider.QUICKBOOKS
XERO = Provider.XERO

pytestmark = pytest.mark.django_db


@pytest.fixture
def pulls(monkeypatch):
    asked: list[int] = []

    class PullTask:
        @staticmethod
        def delay(integration_id: int, trigger: str = "pull") -> None:
            asked.append(integration_id)

    monkeypatch.setattr(receivers, "pull_integration", PullTask)
    return asked


def test_connect_says_what_goes_out_comes_in_and_is_held_back_with_the_choices(client, alice):
    client.force_login(alice)

    page = client.get(f"/settings/integrations/{XERO}/connect/").content.decode()

    for heading in ("Sent to Xero", "Brought in from Xero", "Held back"):
        assert heading in page
    assert "Paid and partly paid invoices" in page
    assert 'name="customers_sync_from" id="id_customers_sync_from" checked' in page
    assert 'name="import_historical_invoices" id="id_import_historical_invoices">' in page
    assert 'name="review_automation" id="id_review_automation">' in page
    assert "Continue to Xero" in page


def test_reconnecting_starts_from_the_integrations_current_choices(client, alice, make_integration):
    make_integration(QBO, status="disconnected", import_historical_invoices=True)
    client.force_login(alice)

    page = client.get(f"/settings/integrations/{QBO}/connect/").content.decode()

    assert "Reconnect QuickBooks Online" in page
    assert 'name="import_historical_invoices" id="id_import_historical_invoices" checked' in page


def test_a_waiting_connection_shows_start_on_the_integrations_page_and_start_begins_its_sync(
    client, alice, make_integration, pulls, django_capture_on_commit_callbacks
):
    qbo = make_integration(QBO, status="connected", waiting_for_start=True)
    client.force_login(alice)

    page = client.get("/settings/integrations/").content.decode()
    assert 'data-testid="first-sync-waiting"' in page and "Start the first sync" in page
    assert f"/settings/integrations/{qbo.pk}/first-sync/start/" in page
    assert 'data-testid="sync-now-quickbooks"' not in page  # nothing syncs before Start
    assert pulls == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/settings/integrations/{qbo.pk}/first-sync/start/", follow=True)

    assert "The first sync of QuickBooks Online" in response.content.decode()
    qbo.refresh_from_db()
    assert not qbo.waiting_for_start and pulls == [qbo.pk]
    # A second click (another tab) starts nothing more; the preview page is gone.
    client.post(f"/settings/integrations/{qbo.pk}/first-sync/start/")
    assert pulls == [qbo.pk]
    assert client.get(f"/settings/integrations/{qbo.pk}/first-sync/").status_code == 302


def test_import_history_is_saved_on_the_settings_page_with_no_coming_later_block(
    client, alice, make_integration
):
    xero = make_integration(XERO, status="connected")
    client.force_login(alice)

    page = client.get(f"/settings/integrations/{xero.pk}/").content.decode()
    assert "Coming later" not in page
    client.post(
        f"/settings/integrations/{xero.pk}/",
        {
            "sync_enabled": "on",
            "invoice_export_timing": "immediate",
            "import_historical_invoices": "on",
        },
    )

    xero.refresh_from_db()
    assert xero.import_historical_invoices
    # Review automation is its own form below (with its text and link), never a second toggle.
    assert page.count('name="review_automation"') == 1


def test_another_organisations_first_sync_is_not_found(client, charlie, make_integration):
    qbo = make_integration(QBO, status="connected", waiting_for_start=True)
    client.force_login(charlie)

    assert client.get(f"/settings/integrations/{qbo.pk}/first-sync/").status_code == 404
    assert client.post(f"/settings/integrations/{qbo.pk}/first-sync/start/").status_code == 404
