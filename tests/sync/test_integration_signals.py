"""What the engine does when the integrations app tells it something (``apps.sync.receivers``):
a new connection waits for Start and reconnecting resumes at once, saving a nightly export timing
schedules it in beat, and a hub app's change reaches the outbox only through the recorder the
engine plugged in."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.common import changes
from apps.customers.services import customer_create
from apps.integrations.companies import CompanyFacts
from apps.integrations.models import Integration
from apps.integrations.oauth import TokenSet
from apps.integrations.services import (
    integration_connect,
    integration_disconnect,
    integration_first_sync_start,
    integration_settings_update,
)
from apps.sync import receivers
from apps.sync.models import Change
from apps.sync.nightly import export_task_name


@pytest.fixture
def pulls(monkeypatch):
    asked: list[int] = []

    class PullTask:
        @staticmethod
        def delay(integration_id: int, trigger: str = "pull") -> None:
            asked.append(integration_id)

    monkeypatch.setattr(receivers, "pull_integration", PullTask)
    return asked


def _connect(org, company_id: str = "4620816365"):
    return integration_connect(
        organisation=org,
        provider="quickbooks",
        company=CompanyFacts(company_id, "Harbour books", org.country, org.currency),
        tokens=TokenSet("access", "refresh", timezone.now() + timedelta(hours=1), None),
    )


def test_a_new_connection_waits_and_start_begins_its_first_sync_once_committed(
    org, pulls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        integration = _connect(org)
    assert integration.waiting_for_start
    assert pulls == []  # connected, but the first sync waits for staff

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        integration_first_sync_start(integration=integration)
        assert pulls == []  # nothing is sent before Start is committed

    for callback in callbacks:
        callback()
    assert pulls == [integration.pk]
    assert not Integration.objects.get(pk=integration.pk).waiting_for_start


def test_reconnecting_a_company_already_started_resumes_at_once(
    org, pulls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        integration = _connect(org)
        integration_first_sync_start(integration=integration)
        integration_disconnect(integration=integration)
    pulls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = _connect(org)

    assert not again.waiting_for_start
    assert pulls == [integration.pk]


def test_a_waiting_integration_is_sent_nothing_and_pulls_nothing(org, pulls):
    integration = _connect(org)

    customer_create(organisation=org, display_name="Ada Lovelace")

    assert not Change.objects.filter(integration=integration).exists()
    assert not integration.syncs_to("customer") and not integration.syncs_from("customer")


def test_choosing_the_nightly_export_schedules_it_and_immediate_removes_it(connect):
    integration = connect("xero")

    integration_settings_update(
        integration=integration,
        values={"invoice_export_timing": "nightly", "nightly_export_time": time(2, 30)},
    )
    task = PeriodicTask.objects.get(name=export_task_name(integration.pk))
    assert (task.crontab.hour, task.crontab.minute) == ("2", "30")

    integration_settings_update(
        integration=integration, values={"invoice_export_timing": "immediate"}
    )
    assert not PeriodicTask.objects.filter(name=export_task_name(integration.pk)).exists()


def test_a_hub_change_is_queued_through_the_engines_recorder(org, connect):
    integration = connect("quickbooks", customers_sync_to=True)

    customer = customer_create(organisation=org, display_name="Ada Lovelace")

    assert Change.objects.filter(
        integration=integration, kind="customer", object_id=customer.pk
    ).exists()


def test_a_hub_change_with_no_recorder_plugged_in_is_refused(org, monkeypatch):
    monkeypatch.setattr(changes, "_recorder", None)

    with pytest.raises(ImproperlyConfigured, match="No outbox recorder"):
        customer_create(organisation=org, display_name="Ada Lovelace")
