"""Limits, injected faults, token expiry and the request log, seen by a real client."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from django.core.management import call_command
from intuitlib.client import AuthClient
from quickbooks.exceptions import AuthorizationException, QuickbooksException
from quickbooks.objects.customer import Customer

from apps.sandbox import control, limits
from apps.sandbox.models import SandboxToken

from .conftest import make_client

pytestmark = pytest.mark.django_db(transaction=True)


def _fast_window(settings, **qbo_limits):
    settings.SANDBOX_RATE_WINDOW_SECONDS = 2.0
    settings.SANDBOX_LIMITS = {"quickbooks": qbo_limits}


def test_expired_access_token_is_401_in_qbo_shape_and_refresh_recovers(
    qbo_app, qbo_token, qbo_company, raw, discovery_url, api_base
):
    control.token_expire(company=qbo_company)
    answer = raw.get("companyinfo/1")
    assert answer.status_code == 401
    error = answer.json()["fault"]["error"][0]
    assert error["code"] == "3200" and "AuthenticationFailed" in error["message"]
    auth = AuthClient(
        qbo_app.client_id, qbo_app.client_secret, "http://127.0.0.1/cb", discovery_url
    )
    auth.refresh(refresh_token=qbo_token.refresh_token)
    fresh = SandboxToken.objects.get(access_token=auth.access_token)
    qb = make_client(qbo_app, fresh, discovery_url, api_base)
    assert Customer.all(qb=qb)
    auth.close()


def test_python_quickbooks_sees_an_expired_token_as_authorization_failure(qb, qbo_company):
    control.token_expire(company=qbo_company)
    with pytest.raises(AuthorizationException):
        Customer.all(qb=qb)


def test_token_of_another_company_is_forbidden(qbo_app, qbo_token, api_base):
    from apps.sandbox.companies import company_create

    other = company_create(provider="quickbooks", name="Elsewhere", seed=False)
    answer = requests.get(
        f"{api_base}/company/{other.external_id}/companyinfo/1",
        headers={"Authorization": f"Bearer {qbo_token.access_token}"},
        timeout=10,
    )
    assert answer.status_code == 403


def test_missing_bearer_token_is_401(api_base, qbo_company):
    answer = requests.get(f"{api_base}/company/{qbo_company.external_id}/companyinfo/1", timeout=10)
    assert answer.status_code == 401


def test_requests_beyond_the_per_minute_limit_get_429_until_the_window_passes(
    settings, raw, qbo_company
):
    _fast_window(settings, minute=3)
    statuses = [raw.get("companyinfo/1").status_code for _ in range(8)]
    assert 429 in statuses
    throttled = next(
        r for r in (raw.get("companyinfo/1") for _ in range(4)) if r.status_code == 429
    )
    error = throttled.json()["Fault"]["Error"][0]
    assert error["code"] == "3001" and "ThrottleExceeded" in error["Message"]
    assert int(throttled.headers["Retry-After"]) >= 1
    time.sleep(2.1)
    assert raw.get("companyinfo/1").status_code == 200


def test_batch_requests_have_their_own_limit(settings, raw):
    _fast_window(settings, batch=2)
    body = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Item"}]}
    statuses = [raw.post("batch", body).status_code for _ in range(6)]
    assert 429 in statuses
    assert raw.get("companyinfo/1").status_code == 200  # other calls still pass


def test_more_concurrent_requests_than_allowed_get_429(
    settings, raw, qbo_company, api_base, qbo_token
):
    _fast_window(settings, concurrent=1)
    settings.SANDBOX_FAULT_TIMEOUT_SECONDS = 1.5
    limits.reset(qbo_company)
    control.fault_inject(company=qbo_company, kind="timeout", count=1, path_contains="/item/")
    slow = threading.Thread(
        target=lambda: requests.get(f"{raw.base}/item/1", headers=raw.session.headers, timeout=10)
    )
    slow.start()
    time.sleep(0.5)
    answer = raw.get("companyinfo/1")
    slow.join()
    assert control.requests_wait(qbo_company, status=504)
    assert answer.status_code == 429
    # Intuit's gateway answers this one in XML even to a client that asked for JSON.
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert '<Fault type="SERVICE"><Error code="3001">' in answer.text
    assert "<Detail>The request limit was reached.  Try again later</Detail>" in answer.text
    assert raw.get("companyinfo/1").status_code == 200


@pytest.mark.parametrize(
    "kind,status",
    [("429", 429), ("500", 500), ("503", 503), ("401", 401), ("malformed", 200)],
)
def test_injected_fault_answers_the_next_request_then_clears(raw, qbo_company, kind, status):
    control.fault_inject(company=qbo_company, kind=kind, count=1)
    faulted = raw.get("companyinfo/1")
    assert faulted.status_code == status
    if kind == "malformed":
        with pytest.raises(ValueError):
            faulted.json()
    assert raw.get("companyinfo/1").status_code == 200


def test_python_quickbooks_error_codes_for_faults(qb, qbo_company):
    control.fault_inject(company=qbo_company, kind="429", count=1)
    with pytest.raises(QuickbooksException) as raised:
        Customer.all(qb=qb)
    assert raised.value.error_code == 3001
    control.fault_inject(company=qbo_company, kind="malformed", count=1)
    with pytest.raises(QuickbooksException) as raised:
        Customer.all(qb=qb)
    assert raised.value.error_code == 10000


def test_timeout_fault_keeps_the_client_waiting(settings, raw, qbo_company):
    settings.SANDBOX_FAULT_TIMEOUT_SECONDS = 1.5
    control.fault_inject(company=qbo_company, kind="timeout", count=1)
    with pytest.raises(requests.Timeout):
        raw.session.get(f"{raw.base}/companyinfo/1", timeout=0.5)
    assert control.requests_wait(qbo_company, status=504)
    assert raw.get("companyinfo/1").status_code == 200


def test_fault_limited_to_a_path_leaves_other_paths_alone(raw, qbo_company):
    control.fault_inject(company=qbo_company, kind="500", count=2, path_contains="/invoice")
    assert raw.get("companyinfo/1").status_code == 200
    assert (
        raw.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [{"Amount": 1}]}).status_code
        == 500
    )
    assert raw.get("invoice/1").status_code == 500
    assert raw.get("customer/1").status_code == 200


def test_control_endpoint_injects_faults_expires_tokens_and_reads_the_log(
    live_server, raw, qbo_company
):
    base = f"{live_server.url}/sandbox/control"
    created = requests.post(
        f"{base}/faults/",
        data=json.dumps({"company": qbo_company.external_id, "kind": "503", "count": 1}),
        timeout=10,
    )
    assert created.status_code == 201
    assert raw.get("companyinfo/1").status_code == 503
    log = requests.get(f"{base}/requests/", params={"company": qbo_company.external_id}, timeout=10)
    assert log.json()["requests"][-1]["status"] == 503
    expired = requests.post(
        f"{base}/expire_token/", data=json.dumps({"company": qbo_company.external_id}), timeout=10
    )
    assert expired.json()["expired"] >= 1
    assert raw.get("companyinfo/1").status_code == 401
    bad = requests.post(
        f"{base}/faults/", data=json.dumps({"company": "nope", "kind": "500"}), timeout=10
    )
    assert bad.status_code == 400


def test_request_log_counts_every_call(raw, qbo_company):
    before = control.requests_count(qbo_company)
    raw.get("customer/1")
    raw.get("customer/2")
    raw.post("customer", {"DisplayName": "Logged"})
    assert control.requests_count(qbo_company) == before + 3
    assert control.requests_count(qbo_company, path_contains="/customer/", method="GET") >= 2


def test_sandbox_fault_command(qbo_company, raw, capsys):
    call_command("sandbox_fault", company=qbo_company.external_id, kind="500", count=1)
    assert "500" in capsys.readouterr().out
    assert raw.get("companyinfo/1").status_code == 500
    call_command("sandbox_fault", company=qbo_company.external_id, expire_token=True)
    assert raw.get("companyinfo/1").status_code == 401


def test_answers_carry_intuits_transaction_id(raw):
    assert raw.get("companyinfo/1").headers["intuit_tid"]
