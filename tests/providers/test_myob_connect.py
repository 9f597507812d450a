"""Connecting MYOB: the company file chosen on MYOB's page (``businessId``), its country and
currency, and access tokens refreshed (and rotated) after a 401."""

from __future__ import annotations

import pytest

from apps.integrations.companies import CompanyUnavailable
from apps.integrations.myob import auth, client
from apps.integrations.oauth import authorization_start

FILES = [
    {"Id": "11111111-aaaa-4bbb-8ccc-000000000001", "Name": "Bondi Plumbing", "Country": "AU"},
    {"Id": "11111111-aaaa-4bbb-8ccc-000000000002", "Name": "Kiwi Sparks", "Country": "NZ"},
    {"Id": "11111111-aaaa-4bbb-8ccc-000000000003", "Name": "London Ltd", "Country": "GB"},
]


@pytest.fixture
def company_files(monkeypatch):
    asked = []

    def connect_get(path, *, access_token):
        asked.append((path, access_token))
        return FILES

    monkeypatch.setattr(client, "connect_get", connect_get)
    return asked


@pytest.mark.parametrize("index, currency", [(0, "AUD"), (1, "NZD")])
def test_the_company_file_chosen_at_myob_is_the_one_connected(company_files, index, currency):
    chosen = FILES[index]
    facts = auth.company_read(access_token="tok", callback_params={"businessId": chosen["Id"]})
    assert (facts.remote_id, facts.name, facts.currency) == (chosen["Id"], chosen["Name"], currency)
    assert facts.country == chosen["Country"]


def test_a_company_file_outside_australia_and_new_zealand_is_refused(company_files):
    with pytest.raises(CompanyUnavailable, match="Australia and New Zealand"):
        auth.company_read(access_token="tok", callback_params={"businessId": FILES[2]["Id"]})


def test_a_redirect_without_business_id_or_with_an_unknown_one_is_refused(company_files):
    with pytest.raises(CompanyUnavailable, match="businessId"):
        auth.company_read(access_token="tok", callback_params={})
    with pytest.raises(CompanyUnavailable, match="does not list"):
        auth.company_read(access_token="tok", callback_params={"businessId": "nope"})


def test_the_consent_page_is_myobs_authorize_endpoint_with_the_app_key(settings):
    start = authorization_start(auth.OAUTH, redirect_uri="https://hub.example/cb")
    assert start.url.startswith(settings.MYOB_AUTHORIZE_URL)
    assert f"client_id={settings.MYOB_CLIENT_ID}" in start.url
    assert "response_type=code" in start.url and not start.code_verifier


@pytest.mark.django_db
def test_a_401_refreshes_the_token_once_and_stores_the_rotated_pair(monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from apps.integrations import crypto
    from apps.integrations.oauth import TokenSet
    from tests.providers.myob_fake import FakeMyob, myob_integration, response

    integration = myob_integration("f1", access="old-access", refresh="old-refresh")
    spent = []

    def renew(refresh_token):
        spent.append(refresh_token)
        now = timezone.now()
        return TokenSet("new-access", "new-refresh", now + timedelta(minutes=20), None)

    monkeypatch.setattr(client, "token_renew", renew)
    monkeypatch.setattr(
        client, "request_slot", lambda call, **_: __import__("contextlib").nullcontext()
    )
    fake = FakeMyob("f1")
    seen = []
    answer = fake.request

    def request(method, url, **kwargs):
        seen.append(kwargs["headers"]["Authorization"])
        if kwargs["headers"]["Authorization"] == "Bearer old-access":
            return response(401)
        return answer(method, url, **kwargs)

    myob = client.MyobClient(integration)
    myob._http = type("Session", (), {"request": staticmethod(request), "close": lambda s: None})()
    rows, _ = myob.get_page("GeneralLedger/TaxCode")

    assert rows and seen == ["Bearer old-access", "Bearer new-access"]
    assert spent == ["old-refresh"]
    integration.refresh_from_db()
    assert crypto.decrypt(integration.refresh_token_encrypted) == "new-refresh"
