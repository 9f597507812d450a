"""Fixtures for view tests: alice and bob work for the same organisation, charlie for another
(the three-user pattern). Import them into a test package's conftest.py."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import OrganisationFactory, UserFactory

__all__ = [
    "org",
    "alice",
    "bob",
    "charlie",
    "as_alice",
    "as_bob",
    "as_charlie",
    "fast_passwords",
    "quickbooks",
]


@pytest.fixture
def org(db):
    return OrganisationFactory(name="Harbour Test Co")


@pytest.fixture
def alice(org):
    return UserFactory(username="alice", organisation=org)


@pytest.fixture
def bob(org):
    return UserFactory(username="bob", organisation=org)


@pytest.fixture
def charlie(db):
    return UserFactory(username="charlie", organisation=OrganisationFactory(name="Elsewhere"))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def quickbooks(org):
    """The organisation's QuickBooks Online integration, connected, as a row."""
    from apps.integrations.models import Integration

    return Integration.objects.create(
        organisation=org,
        provider="quickbooks",
        remote_company_id="realm-1",
        remote_company_name="Harbour books",
        country="US",
        currency="USD",
    )


@pytest.fixture
def as_alice(alice):
    return client_for(alice)


@pytest.fixture
def as_bob(bob):
    return client_for(bob)


@pytest.fixture
def as_charlie(charlie):
    return client_for(charlie)


def assert_three_users(url, as_alice, as_bob, as_charlie, *, text: str = "") -> None:
    """The owner and another member of the organisation see the page; an outsider gets 404."""
    for client in (as_alice, as_bob):
        response = client.get(url)
        assert response.status_code == 200, url
        if text:
            assert text in response.content.decode()
    assert as_charlie.get(url).status_code == 404, url


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Hashing with the production hasher costs a fifth of a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
