"""Sync Now with live progress, the run summary, the Sync Log, and "where is this invoice?" on
record pages; each as the owner, a colleague, and an outsider from another organisation."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.sync.models import Change, Link, SyncLogEntry, SyncRun
from apps.sync.push import drain
from apps.sync.services import sync_run_execute
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(org, client):
    client.force_login(UserFactory(username="alice", organisation=org))
    return client


@pytest.fixture
def bob(org, client):
    client.force_login(UserFactory(username="bob", organisation=org))
    return client


@pytest.fixture
def charlie(client):
    client.force_login(UserFactory(username="charlie", organisation=OrganisationFactory()))
    return client


def test_sync_now_starts_a_run_and_answers_htmx_with_a_polling_progress_partial(
    alice, connect, django_capture_on_commit_callbacks, monkeypatch
):
    qbo = connect()
    queued = []
    monkeypatch.setattr(
        "apps.sync.tasks.sync_now_task.apply_async", lambda args, **kw: queued.append(args[0])
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(reverse("sync:sync_now", args=[qbo.pk]), HTTP_HX_REQUEST="true")
    run = SyncRun.objects.get(integration=qbo)
    assert queued == [run.pk]
    assert response.status_code == 200
    body = response.content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert reverse("sync:run", args=[run.pk]) in body
    assert "<html" not in body


def test_sync_now_without_javascript_redirects_to_the_run_page(alice, connect, monkeypatch):
    qbo = connect()
    monkeypatch.setattr("apps.sync.tasks.sync_now_task.apply_async", lambda *a, **kw: None)
    response = alice.post(reverse("sync:sync_now", args=[qbo.pk]))
    run = SyncRun.objects.get(integration=qbo)
    assert response.status_code == 302
    assert response["Location"] == reverse("sync:run", args=[run.pk])


def test_preview_button_starts_a_dry_run(alice, connect, monkeypatch):
    qbo = connect()
    monkeypatch.setattr("apps.sync.tasks.sync_now_task.apply_async", lambda *a, **kw: None)
    alice.post(reverse("sync:sync_now", args=[qbo.pk]), {"dry_run": "1"})
    assert SyncRun.objects.get(integration=qbo).dry_run


def test_finished_run_shows_the_summary_and_stops_polling(alice, connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    hub.invoice(send=False)
    run = SyncRun.objects.create(integration=qbo, trigger=SyncRun.Trigger.SYNC_NOW)
    sync_run_execute(run=run)
    response = alice.get(reverse("sync:run", args=[run.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "every 2s" not in body
    assert "Held back, and why" in body
    assert "Draft: the invoice is sent" in body
    assert "Pushed" in body


def test_colleague_can_sync_now_and_outsider_gets_404(bob, connect, monkeypatch):
    qbo = connect()
    monkeypatch.setattr("apps.sync.tasks.sync_now_task.apply_async", lambda *a, **kw: None)
    assert bob.post(reverse("sync:sync_now", args=[qbo.pk])).status_code == 302


def test_outsider_cannot_sync_now_or_see_a_run_of_another_organisation(charlie, connect):
    qbo = connect()
    run = SyncRun.objects.create(integration=qbo, trigger=SyncRun.Trigger.SYNC_NOW)
    assert charlie.post(reverse("sync:sync_now", args=[qbo.pk])).status_code == 404
    assert charlie.get(reverse("sync:run", args=[run.pk])).status_code == 404
    assert not SyncRun.objects.exclude(pk=run.pk).exists()


def test_sync_now_is_post_only(alice, connect):
    assert alice.get(reverse("sync:sync_now", args=[connect().pk])).status_code == 405


def _entry(integration, **fields):
    values = {"kind": "invoice", "direction": "push", "outcome": "pushed", "object_id": 1}
    return SyncLogEntry.objects.create(integration=integration, **{**values, **fields})


def test_sync_log_filters_by_integration_kind_outcome_and_date(alice, connect):
    qbo, xero = connect("quickbooks"), connect("xero")
    _entry(qbo, message="qbo invoice pushed")
    _entry(xero, message="xero invoice pushed")
    _entry(qbo, kind="customer", outcome="failed", message="qbo customer failed")
    url = reverse("sync:log")
    assert "xero invoice" not in alice.get(url, {"integration": qbo.pk}).content.decode()
    body = alice.get(url, {"kind": "customer"}).content.decode()
    assert "qbo customer failed" in body and "qbo invoice" not in body
    body = alice.get(url, {"outcome": "failed"}).content.decode()
    assert "qbo customer failed" in body and "xero invoice" not in body
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    assert "qbo invoice pushed" not in alice.get(url, {"since": tomorrow}).content.decode()
    assert "qbo invoice" in alice.get(url, {"until": tomorrow}).content.decode()


def test_sync_log_is_paginated(alice, connect):
    qbo = connect()
    for n in range(60):
        _entry(qbo, message=f"entry {n}")
    body = alice.get(reverse("sync:log")).content.decode()
    assert "Page 1 of 2" in body
    assert "entry 59" in body and "entry 0<" not in body


def test_sync_log_shows_nothing_of_another_organisation(charlie, connect):
    _entry(connect(), message="private to harbour plumbing")
    body = charlie.get(reverse("sync:log")).content.decode()
    assert "private to harbour plumbing" not in body


def test_invoice_page_shows_where_the_invoice_is_in_every_integration(alice, connect, hub, remotes):
    qbo = connect("quickbooks")
    connect("xero", invoices_sync_to=False)
    invoice = hub.invoice()
    drain(qbo)
    body = alice.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    remote_id = Link.objects.get(integration=qbo, kind="invoice", object_id=invoice.pk).remote_id
    assert f"as {remote_id}" in body
    assert "Not in Xero" in body
    assert "History" in body


def test_record_page_shows_a_failed_push_with_the_providers_message(alice, connect, hub):
    qbo = connect()
    customer = hub.customer()
    Change.objects.filter(integration=qbo, kind="customer").update(
        state="failed", last_error="Duplicate Name Exists Error"
    )
    body = alice.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Failed" in body and "Duplicate Name Exists Error" in body


def test_admin_lists_sync_state_and_requeues_failed_records(connect, hub, client, monkeypatch):
    from apps.accounts.models import User

    qbo = connect()
    hub.invoice()
    Change.objects.filter(integration=qbo).update(state="failed", last_error="Refused")
    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    monkeypatch.setattr("apps.sync.tasks.drain_integration.delay", lambda pk: None)
    for model in ("link", "change", "syncrun", "synclogentry", "syncstate"):
        assert client.get(reverse(f"admin:sync_{model}_changelist")).status_code == 200
    ids = [str(pk) for pk in Change.objects.values_list("pk", flat=True)]
    client.post(
        reverse("admin:sync_change_changelist"),
        {"action": "retry_now", "_selected_action": ids},
    )
    assert set(Change.objects.values_list("state", flat=True)) == {"pending"}


def test_colleague_sees_the_run_and_the_sync_log(bob, connect):
    qbo = connect()
    run = SyncRun.objects.create(integration=qbo, trigger=SyncRun.Trigger.SYNC_NOW)
    _entry(qbo, message="shared with colleagues")
    assert bob.get(reverse("sync:run", args=[run.pk])).status_code == 200
    assert "shared with colleagues" in bob.get(reverse("sync:log")).content.decode()


def test_running_run_page_polls_every_two_seconds(alice, connect):
    run = SyncRun.objects.create(integration=connect(), trigger=SyncRun.Trigger.SYNC_NOW)
    body = alice.get(reverse("sync:run", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in body and "Running" in body
