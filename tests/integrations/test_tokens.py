"""Tokens: encrypted at rest, refreshed shortly before expiry and after a 401, one refresh at a
time per integration
(docs/sync-rules.md, "One drain per integration")."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.integrations import crypto, registry, tokens
from apps.integrations.contract import ReconnectNeeded, TransientError
from apps.integrations.models import Integration, Provider
from apps.integrations.registry import token_refresh
from apps.sandbox.models import SandboxToken

pytestmark = pytest.mark.django_db(transaction=True)


def token_get(*, integration: Integration) -> str:
    """As the provider's client asks: renewing, when needed, through the provider's OAuth."""
    renew = registry.provider(integration.provider).oauth.renew
    return tokens.token_get(integration=integration, at_provider=renew)


def _issued(integration: Integration) -> int:
    return SandboxToken.objects.filter(company__external_id=integration.remote_company_id).count()


def _stored_access(integration: Integration) -> str:
    integration.refresh_from_db()
    return crypto.decrypt(integration.access_token_encrypted)


def test_a_fresh_access_token_is_used_as_it_is(connected):
    integration = connected(Provider.QUICKBOOKS)
    issued = _issued(integration)

    assert token_get(integration=integration) == _stored_access(integration)
    assert _issued(integration) == issued


@pytest.mark.parametrize("provider", [Provider.QUICKBOOKS, Provider.XERO])
def test_token_expiring_within_five_minutes_is_refreshed_and_the_new_pair_stored(
    connected, provider
):
    integration = connected(provider)
    old_access = _stored_access(integration)
    old_refresh = crypto.decrypt(integration.refresh_token_encrypted)
    Integration.objects.filter(pk=integration.pk).update(
        access_expires_at=timezone.now() + timedelta(minutes=4)
    )

    token = token_get(integration=integration)

    integration.refresh_from_db()
    assert token != old_access and token == _stored_access(integration)
    assert crypto.decrypt(integration.refresh_token_encrypted) != old_refresh
    assert integration.access_expires_at > timezone.now() + timedelta(minutes=20)
    assert SandboxToken.objects.get(access_token=token).refresh_token == crypto.decrypt(
        integration.refresh_token_encrypted
    )


def test_after_a_401_a_token_already_refreshed_by_another_worker_is_reused(connected):
    integration = connected(Provider.XERO)
    current = _stored_access(integration)
    issued = _issued(integration)

    assert token_refresh(integration=integration, rejected_token="an-older-token") == current
    assert _issued(integration) == issued


def test_two_workers_after_a_401_refresh_once_and_both_get_the_new_token(connected):
    integration = connected(Provider.QUICKBOOKS)
    rejected = _stored_access(integration)
    issued = _issued(integration)
    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(token_refresh(integration=integration, rejected_token=rejected))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(results) == 2 and results[0] == results[1] != rejected
    assert _issued(integration) == issued + 1
    assert results[0] == _stored_access(integration)
    assert not SandboxToken.objects.get(access_token=results[0]).revoked


def test_refused_refresh_token_marks_the_integration_needs_reconnecting(connected, staff):
    integration = connected(Provider.XERO)
    Integration.objects.filter(pk=integration.pk).update(
        refresh_token_encrypted=crypto.encrypt("a-refresh-token-the-provider-never-issued")
    )

    with pytest.raises(ReconnectNeeded):
        token_refresh(integration=integration)

    integration.refresh_from_db()
    assert integration.status == Integration.Status.NEEDS_RECONNECT
    assert integration.token_refresh_claimed_until is None
    page = staff.get("/settings/integrations/").text
    assert "Needs reconnecting" in page and "Reconnect" in page
    with pytest.raises(ReconnectNeeded):
        token_get(integration=integration)


def test_the_database_holds_no_plain_text_token(connected):
    qbo = connected(Provider.QUICKBOOKS)
    xero = connected(Provider.XERO)
    secrets = [
        value
        for token in SandboxToken.objects.filter(
            company__external_id__in=[qbo.remote_company_id, xero.remote_company_id]
        )
        for value in (token.access_token, token.refresh_token)
    ]
    table = Integration._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table name)
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)

    assert len(secrets) >= 4
    assert not [secret for secret in secrets if secret in stored]
    assert crypto.decrypt(qbo.access_token_encrypted) in secrets


def test_reconnecting_the_same_company_after_a_refused_refresh_resumes_it(connected, staff):
    integration = connected(Provider.QUICKBOOKS)
    Integration.objects.filter(pk=integration.pk).update(
        status=Integration.Status.NEEDS_RECONNECT, last_error="Needs reconnecting: refused"
    )

    staff.connect(Provider.QUICKBOOKS, company=integration.remote_company_id)

    resumed = Integration.objects.get()
    assert resumed.pk == integration.pk
    assert resumed.status == Integration.Status.CONNECTED and resumed.last_error == ""
    assert token_get(integration=resumed) == _stored_access(resumed)


def test_unreachable_token_endpoint_is_retried_later_without_losing_the_connection(
    connected, settings
):
    integration = connected(Provider.XERO)
    settings.XERO_TOKEN_URL = "http://127.0.0.1:9/identity/connect/token"

    with pytest.raises(TransientError):
        token_refresh(integration=integration)

    integration.refresh_from_db()
    assert integration.status == Integration.Status.CONNECTED
    assert integration.token_refresh_claimed_until is None  # the next worker may try again
