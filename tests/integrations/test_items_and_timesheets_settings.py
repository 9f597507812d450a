"""The integration's settings page: service item and timesheet toggles, the timesheet sync start
date, and the Employee mapping page (docs/sync-rules.md,
"Service items" and "Timesheets")."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet

from apps.integrations.models import EmployeeMapping, Provider
from apps.sync import receivers
from apps.timesheets.services import team_member_create
from tests.staff import assert_three_users

QBO = Provider.QUICKBOOKS
XERO = Provider.XERO


@pytest.fixture
def sync_to_enabled(monkeypatch):
    calls: list[tuple[int, str]] = []

    def enabled(*, integration, kind):
        calls.append((integration.pk, kind))

    monkeypatch.setattr(receivers, "integration_sync_to_enabled", enabled)
    return calls


def save(client, integration, **fields):
    data = {"sync_enabled": "on", "invoice_export_timing": "immediate", **fields}
    return client.post(f"/settings/integrations/{integration.pk}/", data)


@pytest.mark.django_db
def test_service_items_and_timesheets_turn_on_and_the_start_date_becomes_today(
    client, alice, organisation, make_integration, sync_to_enabled
):
    qbo = make_integration(QBO, status="connected")
    client.force_login(alice)

    response = save(client, qbo, items_sync_to="on", timesheets_sync_to="on")

    assert response.status_code == 302
    qbo.refresh_from_db()
    assert qbo.items_sync_to and qbo.timesheets_sync_to
    assert qbo.timesheets_sync_start == organisation.today()
    assert {kind for _, kind in sync_to_enabled} >= {"item", "time_entry"}
    page = client.get(f"/settings/integrations/{qbo.pk}/").content.decode()
    assert "reserved-service-items" not in page and "reserved-timesheets" not in page
    assert "Coming later" not in page
    assert 'name="import_historical_invoices"' in page
    assert 'data-testid="review-settings"' in page
    assert f"/settings/integrations/{qbo.pk}/employees/" in page


@pytest.mark.django_db
def test_a_future_timesheet_start_date_is_refused_on_the_page(
    client, alice, organisation, make_integration
):
    qbo = make_integration(QBO, timesheets_sync_to=True, timesheets_sync_start=organisation.today())
    client.force_login(alice)
    tomorrow = organisation.today() + timedelta(days=1)

    response = save(client, qbo, timesheets_sync_to="on", timesheets_sync_start=tomorrow)

    assert response.status_code == 200
    assert "The sync start date cannot be in the future" in response.content.decode()
    qbo.refresh_from_db()
    assert qbo.timesheets_sync_start == organisation.today()


@pytest.mark.django_db
def test_an_earlier_start_date_backfills_through_the_engine(
    client, alice, organisation, make_integration, sync_to_enabled
):
    today = organisation.today()
    qbo = make_integration(
        QBO, status="connected", timesheets_sync_to=True, timesheets_sync_start=today
    )
    client.force_login(alice)

    save(client, qbo, timesheets_sync_to="on", timesheets_sync_start=today - timedelta(30))

    qbo.refresh_from_db()
    assert qbo.timesheets_sync_start == today - timedelta(30)
    assert (qbo.pk, "time_entry") in sync_to_enabled


@pytest.mark.django_db
def test_xero_settings_say_timesheets_go_to_quickbooks_only(client, alice, make_integration):
    xero = make_integration(XERO)
    client.force_login(alice)

    save(client, xero, items_sync_to="on", timesheets_sync_to="on")

    xero.refresh_from_db()
    assert xero.items_sync_to and not xero.timesheets_sync_to
    page = client.get(f"/settings/integrations/{xero.pk}/").content.decode()
    assert "timesheets-not-available" in page
    assert not re.search(r'name="timesheets_sync_to"', page)
    assert client.get(f"/settings/integrations/{xero.pk}/employees/").status_code == 404


@pytest.fixture
def qbo_live(sandbox, settings, organisation):
    """A QuickBooks sandbox company connected to alice's organisation, over real HTTP."""
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return sandbox_integration_connect(organisation=organisation, provider=QBO, nightly=False)


@pytest.mark.django_db(transaction=True)
def test_employee_mapping_lists_quickbooks_employees_and_saves_one_per_team_member(
    qbo_live, organisation, as_alice, as_bob, as_charlie
):
    sam = team_member_create(organisation=organisation, name="Sam Fitter")
    team_member_create(organisation=organisation, name="Jo Apprentice")
    url = f"/settings/integrations/{qbo_live.pk}/employees/"
    assert_three_users(url, as_alice, as_bob, as_charlie, text="Emily Platt")

    page = as_alice.get(url).content.decode()
    assert "Sam Fitter" in page and "Jo Apprentice" in page and "John Johnson" in page
    emily = re.search(r'<option value="(\d+)">Emily Platt</option>', page)[1]
    response = as_alice.post(url, {f"member_{sam.pk}": emily})

    assert response.status_code == 302
    mapping = EmployeeMapping.objects.get(integration=qbo_live)
    assert (mapping.member, mapping.remote_id, mapping.remote_name) == (sam, emily, "Emily Platt")
    assert as_charlie.post(url, {f"member_{sam.pk}": ""}).status_code == 404
    as_alice.post(url, {f"member_{sam.pk}": ""})
    assert not EmployeeMapping.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_employee_mapping_refuses_an_employee_the_company_does_not_have(
    qbo_live, organisation, as_alice
):
    sam = team_member_create(organisation=organisation, name="Sam Fitter")
    url = f"/settings/integrations/{qbo_live.pk}/employees/"

    response = as_alice.post(url, {f"member_{sam.pk}": "99999"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not EmployeeMapping.objects.exists()
