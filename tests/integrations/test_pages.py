"""Settings → Integrations, each integration's settings, Invoice / Quote Settings, Disconnect,
and who may see them."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from apps.integrations.models import Integration, Provider
from apps.sync import receivers
from apps.sync.models import Change, SyncRun
from tests.staff import assert_three_users

pytestmark = pytest.mark.django_db

QBO = Provider.QUICKBOOKS
XERO = Provider.XERO


@pytest.fixture
def pair(make_integration):
    return make_integration(QBO), make_integration(XERO)


@pytest.fixture
def sync_to_enabled(monkeypatch):
    """Calls the sync engine receives when a Sync to is turned on (its side of the edge)."""
    calls: list[tuple[int, str]] = []

    def enabled(*, integration, kind):
        calls.append((integration.pk, kind))

    monkeypatch.setattr(receivers, "integration_sync_to_enabled", enabled)
    return calls


def test_integrations_page_offers_connect_for_each_provider(client, alice):
    client.force_login(alice)

    page = client.get("/settings/integrations/").content.decode()

    assert "QuickBooks Online" in page and "Xero" in page
    assert "/settings/integrations/quickbooks/connect/" in page
    assert "/settings/integrations/xero/connect/" in page


def test_integrations_page_shows_status_latest_sync_and_actions(client, alice, pair):
    qbo, xero = pair
    SyncRun.objects.create(
        integration=qbo, trigger="sync_now", status="failed", message="QBO was down"
    )
    client.force_login(alice)

    page = client.get("/settings/integrations/").content.decode()

    assert f"/settings/integrations/{qbo.pk}/disconnect/" in page
    assert f"/settings/integrations/{xero.pk}/" in page
    assert f"/sync/integrations/{qbo.pk}/sync-now/" in page
    assert "QBO was down" in page and "Not synced yet" in page


def test_invoice_settings_toggle_saves_with_htmx_for_that_integration_only(
    client, alice, pair, sync_to_enabled
):
    qbo, xero = pair
    client.force_login(alice)

    response = client.post(
        "/settings/invoices/",
        {"integration": qbo.pk, "sync_from": "on"},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and f'id="row-{qbo.pk}"' in body and "Saved" in body
    qbo.refresh_from_db()
    xero.refresh_from_db()
    assert (qbo.invoices_sync_to, qbo.invoices_sync_from) == (False, True)
    assert (xero.invoices_sync_to, xero.invoices_sync_from) == (True, True)
    assert (qbo.quotes_sync_to, qbo.quotes_sync_from) == (True, True)
    assert sync_to_enabled == []


def test_quote_settings_toggle_works_as_a_plain_form_post(client, alice, pair, sync_to_enabled):
    qbo, xero = pair
    Integration.objects.filter(pk=xero.pk).update(quotes_sync_to=False)
    client.force_login(alice)

    response = client.post("/settings/quotes/", {"integration": xero.pk, "sync_to": "on"})

    assert response.status_code == 302 and response.url == "/settings/quotes/"
    xero.refresh_from_db()
    assert (xero.quotes_sync_to, xero.quotes_sync_from) == (True, False)
    assert sync_to_enabled == [(xero.pk, "quote")]
    page = client.get("/settings/quotes/").content.decode()
    assert "Quote Settings for Xero" in page
    assert 'data-testid="sync-to-xero" checked' in page
    assert 'data-testid="sync-from-xero">' in page


def test_document_settings_list_each_connected_integration_with_sync_now(client, alice, pair):
    qbo, xero = pair
    disconnected = Integration.objects.filter(pk=xero.pk)
    disconnected.update(status=Integration.Status.DISCONNECTED)
    client.force_login(alice)

    page = client.get("/settings/invoices/").content.decode()

    assert "Sync to QuickBooks Online" in page and "Sync from QuickBooks Online" in page
    assert "Sync to Xero" not in page
    assert f"/sync/integrations/{qbo.pk}/sync-now/" in page


def test_toggles_are_disabled_and_ignored_while_enable_sync_is_off(client, alice, make_integration):
    qbo = make_integration(QBO, sync_enabled=False)
    client.force_login(alice)

    page = client.get("/settings/invoices/").content.decode()
    client.post("/settings/invoices/", {"integration": qbo.pk})

    assert "Sync is turned off for this integration" in page and " disabled>" in page
    qbo.refresh_from_db()
    assert qbo.invoices_sync_to and qbo.invoices_sync_from


def test_settings_page_shows_region_and_room_for_later_options(client, alice, make_integration):
    qbo = make_integration(QBO, region="ca")
    client.force_login(alice)

    page = client.get(f"/settings/integrations/{qbo.pk}/").content.decode()

    assert "Region: Canada" in page and "Enable Sync" in page
    for reserved in (
        "Service items",
        "Timesheets",
        "Import historical invoices",
        "Review automation",
    ):
        assert reserved in page


def test_settings_page_saves_customers_payments_and_nightly_export(
    client, alice, make_integration, sync_to_enabled
):
    qbo = make_integration(QBO, customers_sync_to=False, payments_sync_to=False)
    client.force_login(alice)

    response = client.post(
        f"/settings/integrations/{qbo.pk}/",
        {
            "sync_enabled": "on",
            "customers_sync_to": "on",
            "payments_sync_to": "on",
            "invoice_export_timing": "nightly",
            "nightly_export_time": "21:30",
        },
    )

    assert response.status_code == 302
    qbo.refresh_from_db()
    assert qbo.customers_sync_to and not qbo.customers_sync_from and qbo.payments_sync_to
    assert qbo.invoice_export_timing == "nightly" and qbo.nightly_export_time == dt.time(21, 30)
    assert sorted(sync_to_enabled) == [(qbo.pk, "customer"), (qbo.pk, "payment")]


def test_nightly_export_needs_a_time(client, alice, make_integration):
    qbo = make_integration(QBO)
    client.force_login(alice)

    response = client.post(
        f"/settings/integrations/{qbo.pk}/",
        {"sync_enabled": "on", "invoice_export_timing": "nightly"},
    )

    assert response.status_code == 200
    assert "Choose the local time the nightly export runs." in response.content.decode()
    qbo.refresh_from_db()
    assert qbo.invoice_export_timing == "immediate"


def test_turning_enable_sync_off_keeps_the_toggles_and_locks_them(client, alice, make_integration):
    qbo = make_integration(QBO)
    client.force_login(alice)

    client.post(
        f"/settings/integrations/{qbo.pk}/",
        {
            "customers_sync_to": "on",
            "customers_sync_from": "on",
            "payments_sync_to": "on",
            "invoice_export_timing": "immediate",
        },
    )
    client.post(f"/settings/integrations/{qbo.pk}/", {"invoice_export_timing": "immediate"})

    qbo.refresh_from_db()
    assert not qbo.sync_enabled and qbo.customers_sync_to and qbo.customers_sync_from
    assert not qbo.syncs_to("customer")
    page = client.get(f"/settings/integrations/{qbo.pk}/").content.decode()
    assert re.search(r'<input[^>]*name="customers_sync_to"[^>]*disabled', page)


def test_turning_enable_sync_back_on_hands_every_sync_to_kind_to_the_engine(
    client, alice, make_integration, sync_to_enabled
):
    qbo = make_integration(QBO, sync_enabled=False, quotes_sync_to=False)
    client.force_login(alice)

    client.post(
        f"/settings/integrations/{qbo.pk}/",
        {"sync_enabled": "on", "invoice_export_timing": "immediate"},
    )

    assert sorted(kind for _, kind in sync_to_enabled) == ["customer", "invoice", "payment"]


def test_disconnect_asks_first_then_keeps_links_and_stops_only_that_integration(
    client, alice, pair, make_link
):
    qbo, xero = pair
    link = make_link(qbo)
    client.force_login(alice)

    confirm = client.get(f"/settings/integrations/{qbo.pk}/disconnect/")
    response = client.post(f"/settings/integrations/{qbo.pk}/disconnect/")

    assert "Every record and link is kept" in confirm.content.decode()
    assert response.status_code == 302
    qbo.refresh_from_db()
    xero.refresh_from_db()
    assert qbo.status == Integration.Status.DISCONNECTED and qbo.access_token_encrypted == ""
    assert list(qbo.links.all()) == [link]
    assert xero.is_connected


def test_connection_health_shows_on_every_page_with_waiting_and_failed_counts(
    client, alice, make_integration
):
    qbo = make_integration(QBO)
    make_integration(XERO, status=Integration.Status.NEEDS_RECONNECT)
    for object_id in (1, 2):
        Change.objects.create(integration=qbo, kind="invoice", object_id=object_id)
    Change.objects.create(integration=qbo, kind="customer", object_id=3, state="failed")
    client.force_login(alice)

    for path in ("/", "/settings/integrations/", "/settings/quotes/"):
        page = client.get(path).content.decode()
        assert 'data-testid="connection-health"' in page, path
        assert "2 waiting" in page and "Failing (1 record)" in page
        assert "Needs reconnecting" in page


def test_health_says_connected_or_disabled(client, alice, make_integration):
    make_integration(QBO)
    make_integration(XERO, sync_enabled=False)
    client.force_login(alice)

    page = client.get("/").content.decode()

    assert "QuickBooks Online: <strong>Healthy</strong>" in page
    assert "Xero: <strong>Sync off</strong>" in page


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/settings/integrations/{pk}/"),
        ("post", "/settings/integrations/{pk}/"),
        ("get", "/settings/integrations/{pk}/disconnect/"),
        ("post", "/settings/integrations/{pk}/disconnect/"),
    ],
)
def test_another_organisations_user_cannot_reach_an_integration(
    client, charlie, pair, method, path
):
    qbo, _ = pair
    client.force_login(charlie)

    response = getattr(client, method)(path.format(pk=qbo.pk))

    assert response.status_code == 404
    qbo.refresh_from_db()
    assert qbo.is_connected and qbo.sync_enabled


@pytest.mark.parametrize("path", ["/settings/invoices/", "/settings/quotes/"])
def test_another_organisations_user_cannot_toggle_or_see_sync_settings(client, charlie, pair, path):
    qbo, _ = pair
    client.force_login(charlie)

    toggled = client.post(path, {"integration": qbo.pk})
    page = client.get(path).content.decode()

    assert toggled.status_code == 404
    assert "Sync to QuickBooks Online" not in page
    qbo.refresh_from_db()
    assert qbo.invoices_sync_to and qbo.quotes_sync_to


def test_another_organisations_user_sees_neither_cards_nor_health_of_ours(client, charlie, pair):
    client.force_login(charlie)

    page = client.get("/settings/integrations/").content.decode()

    assert "Harbour Test Co books" not in page and 'data-testid="connection-health"' not in page
    assert "/settings/integrations/quickbooks/connect/" in page


@pytest.mark.parametrize(
    "path",
    [
        "/settings/integrations/",
        "/settings/invoices/",
        "/settings/quotes/",
        "/settings/integrations/1/",
    ],
)
def test_pages_need_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302 and "/login/" in response.url


def test_a_user_without_an_organisation_sees_no_integration_pages(client, pair):
    from tests.factories import UserFactory

    client.force_login(UserFactory(organisation=None))

    for path in (
        "/settings/integrations/",
        "/settings/invoices/",
        f"/settings/integrations/{pair[0].pk}/",
    ):
        assert client.get(path).status_code == 404, path


def test_an_unreachable_provider_is_explained_on_connect(client, alice, settings):
    settings.QBO_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid_configuration"
    client.force_login(alice)

    response = client.post(
        "/settings/integrations/quickbooks/connect/", {"customers_sync_to": "on"}
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "QuickBooks could not be reached" in body and "Try again in a few minutes" in body
    assert not Integration.objects.exists()


def test_turning_invoice_sync_to_on_queues_invoices_still_in_progress(
    client, alice, organisation, make_integration
):
    from apps.invoices.models import Invoice
    from tests.factories import InvoiceFactory

    xero = make_integration(XERO, invoices_sync_to=False, connected_at=None)
    sent = InvoiceFactory(organisation=organisation, status=Invoice.Status.SENT)
    InvoiceFactory(organisation=organisation, status=Invoice.Status.DRAFT)
    client.force_login(alice)

    client.post("/settings/invoices/", {"integration": xero.pk, "sync_to": "on"})

    queued = Change.objects.filter(integration=xero, kind="invoice", state=Change.State.PENDING)
    assert list(queued.values_list("object_id", flat=True)) == [sent.pk]


@pytest.mark.parametrize(
    "path,text",
    [
        ("/settings/integrations/{pk}/", "Enable Sync"),
        ("/settings/integrations/{pk}/disconnect/", "Disconnect QuickBooks Online"),
    ],
)
def test_integration_pages_serve_both_members_and_no_outsider(
    pair, as_alice, as_bob, as_charlie, path, text
):
    assert_three_users(path.format(pk=pair[0].pk), as_alice, as_bob, as_charlie, text=text)
