"""Warnings before a connection breaks: a refresh token near its end (QuickBooks' stated expiry,
Xero's 60 days unused) or a refused connection is flagged on every page with a Reconnect button,
and e-mailed to the organisation's staff once per connection and warning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.integrations.models import Integration
from apps.integrations.schedule import WARNINGS_NAME
from apps.integrations.tasks import email_connection_warnings
from apps.integrations.warning_emails import warning_emails_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/customers/", "/invoices/", "/settings/integrations/"]


def _ends_in(integration, days: int) -> None:
    integration.refresh_expires_at = timezone.now() + timedelta(days=days, hours=1)
    integration.save()


@pytest.mark.parametrize("path", PAGES)
def test_a_quickbooks_token_ending_soon_is_flagged_on_every_page(as_alice, quickbooks, path):
    _ends_in(quickbooks, 9)

    page = as_alice.get(path).content.decode()

    assert 'data-testid="connection-warning-quickbooks"' in page
    assert "runs out in 9 days" in page
    assert 'href="/settings/integrations/quickbooks/connect/">Reconnect QuickBooks Online' in page


def test_a_token_with_weeks_left_is_not_flagged(as_alice, quickbooks):
    _ends_in(quickbooks, 40)
    assert "connection-warning" not in as_alice.get("/").content.decode()


def test_xero_unused_for_50_days_is_flagged_from_its_last_refresh(as_alice, org):
    last_refresh = timezone.now() - timedelta(days=50)
    Integration.objects.create(
        organisation=org,
        provider="xero",
        remote_company_id="tenant-1",
        country="US",
        currency="USD",
        access_expires_at=last_refresh + timedelta(minutes=30),
    )
    page = as_alice.get("/").content.decode()
    assert 'data-testid="connection-warning-xero"' in page and "runs out in 9 days" in page


def test_a_refused_connection_is_flagged_and_a_disconnected_one_is_not(as_alice, quickbooks):
    Integration.objects.filter(pk=quickbooks.pk).update(status="needs_reconnect")
    page = as_alice.get("/").content.decode()
    assert "refused the connection" in page and "Reconnect QuickBooks Online" in page

    Integration.objects.filter(pk=quickbooks.pk).update(status="disconnected")
    assert "connection-warning" not in as_alice.get("/").content.decode()


def test_staff_are_emailed_once_per_connection_and_warning(alice, bob, charlie, quickbooks):
    _ends_in(quickbooks, 5)

    assert email_connection_warnings() == 1
    assert warning_emails_send() == 0  # the next day: already told

    (message,) = mail.outbox
    assert sorted(message.to) == sorted([alice.email, bob.email])  # not charlie's organisation
    assert message.subject == "Reconnect QuickBooks Online soon"
    assert "/settings/integrations/quickbooks/connect/" in message.body

    Integration.objects.filter(pk=quickbooks.pk).update(status="needs_reconnect")
    assert warning_emails_send() == 1  # a new warning for the same connection
    assert mail.outbox[-1].subject == "QuickBooks Online needs reconnecting"


def test_a_failed_warning_email_is_sent_at_the_next_run(alice, quickbooks, monkeypatch):
    _ends_in(quickbooks, 5)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("apps.integrations.warning_emails.send_mail", refuse)
    assert warning_emails_send() == 0
    monkeypatch.undo()
    assert warning_emails_send() == 1 and len(mail.outbox) == 1


def test_staff_without_an_email_address_are_skipped(org, quickbooks):
    UserFactory(organisation=org, email="")
    _ends_in(quickbooks, 5)
    assert warning_emails_send() == 0 and mail.outbox == []


def test_the_daily_check_is_in_the_beat_schedule():
    task = PeriodicTask.objects.get(name=WARNINGS_NAME)
    assert task.crontab.hour == "7" and task.enabled
