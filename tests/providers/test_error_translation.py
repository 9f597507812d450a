"""Every provider answer becomes one of the engine's error classes
(docs/sync-rules.md, "Retries and parking")."""

from __future__ import annotations

import json

import pytest
import requests
from quickbooks.exceptions import QuickbooksException

from apps.integrations.contract import (
    AuthExpired,
    PermanentError,
    ReconnectNeeded,
    RemoteGone,
    TransientError,
)
from apps.integrations.quickbooks.client import QboFault, translate
from apps.integrations.xero.client import XeroValidation, answer_of


def response(status: int, body: object = None, headers: dict | None = None) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
    answer.headers.update(headers or {})
    return answer


def qbo(code, status=400, message="Refused", detail="", headers=None):
    return translate(QuickbooksException(message, code, detail), response(status, {}, headers))


@pytest.mark.parametrize(("code", "kind"), [(5010, QboFault), (6240, QboFault), (2020, QboFault)])
def test_quickbooks_validation_faults_are_permanent_and_keep_their_code(code, kind):
    error = qbo(code, message="Stale Object Error", detail="You and Ann were working on this")
    assert isinstance(error, kind) and isinstance(error, PermanentError)
    assert error.code == str(code)
    assert "Stale Object Error: You and Ann were working on this" in error.message


def test_quickbooks_object_not_found_is_remote_gone():
    assert isinstance(qbo(610), RemoteGone)


def test_quickbooks_throttle_waits_a_minute_unless_told_otherwise():
    assert qbo(3001, status=429).retry_after == 60
    assert qbo(10000, status=429, headers={"Retry-After": "12"}).retry_after == 12


@pytest.mark.parametrize("status", [200, 500, 502, 503])
def test_quickbooks_unreadable_or_server_errors_are_transient(status):
    assert isinstance(qbo(10000, status=status), TransientError)


def test_quickbooks_token_and_authorization_failures():
    assert isinstance(qbo(401, status=401), AuthExpired)
    assert isinstance(qbo(3200, status=401), AuthExpired)
    assert isinstance(qbo(3100, status=403), ReconnectNeeded)


def test_xero_validation_exception_lists_each_elements_messages():
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{"ValidationErrors": [{"Message": "Email address must be valid."}]}],
    }
    with pytest.raises(XeroValidation, match="Email address must be valid"):
        answer_of(response(400, body))


def test_xero_rate_limit_honours_retry_after():
    with pytest.raises(TransientError) as caught:
        answer_of(response(429, {}, {"Retry-After": "7", "X-Rate-Limit-Problem": "minute"}))
    assert caught.value.retry_after == 7 and "minute" in caught.value.message


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, {}, TransientError),
        (200, b"<html>oops", TransientError),
        (404, {"Title": "Not Found"}, RemoteGone),
        (401, {}, AuthExpired),
        (403, {}, ReconnectNeeded),
    ],
)
def test_xero_answers_map_to_engine_errors(status, body, error):
    with pytest.raises(error):
        answer_of(response(status, body))
