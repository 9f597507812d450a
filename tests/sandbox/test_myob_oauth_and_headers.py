"""Connecting to the MYOB sandbox as a real client does (consent page, businessId on the
redirect, code and refresh grants with rotation) and the headers every API call must carry."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.sandbox.myob_fixtures import *  # noqa: F403 (fixtures)
from tests.sandbox.myob_helpers import error_names

pytestmark = pytest.mark.django_db(transaction=True)
CALLBACK = "http://localhost:9/settings/integrations/myob/callback/"


def _authorize_url(live_server, app, **extra) -> str:
    query = {
        "client_id": app.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "sme-company-file sme-customer sme-sales",
        "state": "s-42",
        "prompt": "consent",
        **extra,
    }
    return f"{live_server.url}/sandbox/myob/oauth2/account/authorize?{urlencode(query)}"


def _token(live_server, app, **form):
    url = f"{live_server.url}/sandbox/myob/oauth2/v1/authorize"
    body = {"client_id": app.client_id, "client_secret": app.client_secret, **form}
    return requests.post(url, data=body, timeout=10)


def _approve(live_server, app, au_file) -> dict:
    answer = requests.post(
        _authorize_url(live_server, app),
        data={"action": "approve", "company": au_file.external_id},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def test_consent_page_is_labelled_as_a_local_myob_sandbox(live_server, myob_app, au_file):
    page = requests.get(_authorize_url(live_server, myob_app), timeout=10)
    assert page.status_code == 200
    assert "MYOB" in page.text and "Local sandbox" in page.text
    assert "Clearwater Plumbing" in page.text


def test_approval_redirects_with_code_state_and_business_id(live_server, myob_app, au_file):
    back = _approve(live_server, myob_app, au_file)
    assert back["businessId"] == au_file.external_id
    assert back["businessName"] == "Clearwater Plumbing"
    assert back["state"] == "s-42" and back["code"]


def test_denial_redirects_with_access_denied(live_server, myob_app, au_file):
    answer = requests.post(
        _authorize_url(live_server, myob_app),
        data={"action": "deny"},
        allow_redirects=False,
        timeout=10,
    )
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["access_denied"]


def test_code_gives_tokens_that_call_the_api(live_server, myob_app, au_file, settings):
    # Not a rate-limit test: the calls of the tests before it in the same second do not count.
    settings.SANDBOX_LIMITS = {"myob": {"second": 10_000}}
    code = _approve(live_server, myob_app, au_file)["code"]
    answer = _token(
        live_server, myob_app, grant_type="authorization_code", code=code, redirect_uri=CALLBACK
    )
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["expires_in"] == "1200" and tokens["token_type"] == "bearer"
    assert tokens["refresh_token"] and tokens["user"]["uid"]
    files = requests.get(
        f"{live_server.url}/sandbox/myob/accountright/",
        headers={
            "Authorization": f"Bearer {tokens['access_token']}",
            "x-myobapi-key": myob_app.client_id,
            "x-myobapi-version": "v2",
        },
        timeout=10,
    )
    assert files.status_code == 200
    assert [f["Id"] for f in files.json()] == [au_file.external_id]
    again = _token(
        live_server, myob_app, grant_type="authorization_code", code=code, redirect_uri=CALLBACK
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_refresh_rotates_the_refresh_token(live_server, myob_app, myob_token):
    first = _token(
        live_server, myob_app, grant_type="refresh_token", refresh_token=myob_token.refresh_token
    )
    assert first.status_code == 200, first.text
    rotated = first.json()["refresh_token"]
    assert rotated != myob_token.refresh_token
    spent = _token(
        live_server, myob_app, grant_type="refresh_token", refresh_token=myob_token.refresh_token
    )
    assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"
    second = _token(live_server, myob_app, grant_type="refresh_token", refresh_token=rotated)
    assert second.status_code == 200


def test_wrong_client_secret_is_invalid_client(live_server, myob_app, myob_token):
    answer = _token(
        live_server,
        myob_app,
        grant_type="refresh_token",
        refresh_token=myob_token.refresh_token,
        client_secret="wrong",
    )
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("drop", "status", "name"),
    [
        ("x-myobapi-key", 403, "DeveloperInactive"),
        ("Authorization", 401, "OAuthTokenIsInvalid"),
        ("x-myobapi-version", 400, "InvalidApiVersion"),
    ],
)
def test_a_call_missing_a_required_header_is_refused(myob, drop, status, name):
    del myob.session.headers[drop]
    answer = myob.get("Contact/Customer")
    assert answer.status_code == status
    assert error_names(answer) == [name]
    assert answer.json()["Errors"][0]["Severity"] == "Error"


def test_an_api_key_other_than_the_tokens_app_is_refused(myob):
    myob.session.headers["x-myobapi-key"] = "someone-elses-key"
    answer = myob.get("Contact/Customer")
    assert answer.status_code == 403 and error_names(answer) == ["DeveloperInactive"]


def test_an_expired_access_token_is_a_401(myob, myob_token):
    from django.utils import timezone

    myob_token.access_expires_at = timezone.now()
    myob_token.save()
    answer = myob.get("Contact/Customer")
    assert answer.status_code == 401 and error_names(answer) == ["OAuthTokenIsInvalid"]


def test_another_business_file_is_forbidden(myob, myob_app):
    from apps.sandbox.companies import company_create
    from apps.sandbox.models import Provider

    other = company_create(provider=Provider.MYOB, name="Not Granted", country="AU")
    url = f"{myob.root}/{other.external_id}/Contact/Customer"
    answer = myob.session.get(url, timeout=10)
    assert answer.status_code == 403 and error_names(answer) == ["AccessDenied"]


def test_sandbox_credentials_give_a_working_myob_connection(live_server, capsys, settings):
    import json

    from django.core.management import call_command

    settings.SANDBOX_LIMITS = {"myob": {"second": 10_000}}
    call_command("sandbox_credentials", provider="myob", country="AU", json=True)
    answer = json.loads(capsys.readouterr().out)
    from apps.sandbox.apps_registry import myob_client_id

    assert answer["client_id"] == myob_client_id() and answer["business_id"]
    files = requests.get(
        f"{live_server.url}/sandbox/myob/accountright/{answer['business_id']}/Company",
        headers={
            "Authorization": f"Bearer {answer['access_token']}",
            "x-myobapi-key": answer["client_id"],
            "x-myobapi-version": "v2",
        },
        timeout=10,
    )
    assert files.status_code == 200 and files.json()["CurrencyCode"] == "AUD"
