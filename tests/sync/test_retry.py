"""Nothing waits forever: transient failures never use up tries, a refused record is retried on
the next sync, after it changes, and by staff's one-click Retry (scoped to their organisation)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.integrations.contract import PermanentError
from apps.invoices.services import invoice_update
from apps.sandbox.control import fault_inject, requests_wait
from apps.sync.models import Change, Link, SyncLogEntry
from apps.sync.push import drain
from tests.factories import OrganisationFactory, UserFactory
from tests.sync.conftest import LINE
from tests.sync.test_end_to_end import numbers


def _parked_invoice(connect, hub, remotes):
    qbo = connect()
    invoice = hub.invoice()
    remotes(qbo).fail["push_invoice"].append(PermanentError("Invalid Number: must be unique"))
    drain(qbo)
    assert Change.objects.get(integration=qbo, kind="invoice").state == "failed"
    return qbo, invoice


@pytest.mark.django_db
def test_refused_record_is_retried_by_the_next_sync_once_its_backoff_is_over(connect, hub, remotes):
    qbo, invoice = _parked_invoice(connect, hub, remotes)
    drain(qbo)  # too soon: the refusal is not hammered
    assert remotes(qbo).count("invoice") == 0
    Change.objects.filter(state="failed").update(next_attempt_at=timezone.now())
    drain(qbo)
    assert remotes(qbo).count("invoice") == 1
    assert Link.objects.filter(integration=qbo, kind="invoice", object_id=invoice.pk).exists()


@pytest.mark.django_db
def test_refused_record_goes_again_under_the_same_row_when_it_is_changed(connect, hub, remotes):
    qbo, invoice = _parked_invoice(connect, hub, remotes)
    failed = Change.objects.get(integration=qbo, kind="invoice")
    invoice_update(invoice=invoice, lines=[LINE, LINE])  # staff fix what was refused
    [waiting] = Change.objects.filter(integration=qbo, kind="invoice")
    assert (waiting.pk, waiting.state) == (failed.pk, "pending")
    drain(qbo)
    assert remotes(qbo).count("invoice") == 1


def _staff(organisation) -> Client:
    client = Client()
    client.force_login(UserFactory(organisation=organisation))
    return client


@pytest.mark.django_db
def test_retry_button_on_the_sync_log_and_the_invoice_sends_the_failed_record_again(
    connect, hub, remotes, org, django_capture_on_commit_callbacks
):
    qbo, invoice = _parked_invoice(connect, hub, remotes)
    owner = _staff(org)
    url = reverse("sync:retry", args=[qbo.pk, "invoice", invoice.pk])
    assert url in owner.get(reverse("sync:log")).content.decode()
    assert url in owner.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = owner.post(url, {"next": reverse("invoices:detail", args=[invoice.pk])})
    assert response.status_code == 302
    assert response.url == reverse("invoices:detail", args=[invoice.pk])
    assert Change.objects.get(integration=qbo, kind="invoice").state == "pending"
    assert queued, "a drain is queued once the row is saved"
    drain(qbo)
    assert remotes(qbo).count("invoice") == 1
    page = owner.get(reverse("sync:log")).content.decode()
    assert url not in page  # nothing failed any more: no button


@pytest.mark.django_db
def test_retry_button_refuses_another_organisation_and_outsiders(connect, hub, remotes):
    qbo, invoice = _parked_invoice(connect, hub, remotes)
    url = reverse("sync:retry", args=[qbo.pk, "invoice", invoice.pk])
    other = _staff(OrganisationFactory(name="Elsewhere"))
    assert other.post(url).status_code == 404
    assert "/login" in Client().post(url)["Location"]
    assert Change.objects.get(integration=qbo, kind="invoice").state == "failed"
    owner = _staff(qbo.organisation)
    assert owner.get(url).status_code == 405  # a button, never a link
    bad_kind = reverse("sync:retry", args=[qbo.pk, "spaceship", invoice.pk])
    assert owner.post(bad_kind).status_code == 404
    # An external "next" is ignored: back to the Sync Log.
    assert owner.post(url, {"next": "https://evil.example/"}).url == reverse("sync:log")


@pytest.mark.django_db(transaction=True)
def test_storm_of_rate_limits_and_server_errors_longer_than_eight_tries_gives_up_nothing(
    both, live_hub, settings, monkeypatch
):
    qbo, xero = both
    settings.SANDBOX_FAULT_TIMEOUT_SECONDS = 1
    monkeypatch.setattr("apps.integrations.quickbooks.limits.REQUEST_TIMEOUT_SECONDS", 0.3)
    invoices = [
        live_hub.invoice(live_hub.customer(f"Ann Lee{n}", f"ann{n}@example.com")) for n in range(2)
    ]
    storm = ["429", "500", "503", "401", "timeout", "429", "malformed", "429", "500", "503", "429"]
    for kind in storm:
        fault_inject(company=qbo.remote_company_id, kind=kind, count=1)
    for _ in range(len(storm) + 10):
        drain(qbo), drain(xero)
        waiting = Change.objects.filter(state="pending")
        if not waiting.exists():
            break
        waiting.update(next_attempt_at=timezone.now() - timedelta(seconds=1))  # time passes
    assert not Change.objects.exclude(state="done").exists()
    assert not SyncLogEntry.objects.filter(message__icontains="gave up").exists()
    assert Change.objects.filter(integration=qbo, transient_failures__gte=1).exists()
    assert not Change.objects.filter(attempts__gt=0).exists()  # no transient failure is a try
    for integration in both:
        found = numbers(integration)
        assert [found[i.number] for i in invoices] == [1, 1], integration.provider
    requests_wait(qbo.remote_company_id, status=504)  # the timed-out request, answered late
