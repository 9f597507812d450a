"""Both clients count every request against their company's shared limits before sending it: a
full window sends nothing and says when to come back, and what the provider says about its
limits (a 429's Retry-After, Xero's remaining-calls headers) holds back every process."""

from __future__ import annotations

import time

import pytest
import requests
from django.conf import settings as django_settings

from apps.integrations.contract import Throttled, TransientError
from apps.integrations.limiter import Limiter, shared_limiter
from apps.integrations.quickbooks import limits as quickbooks_limits
from apps.integrations.registry import adapter_for
from apps.integrations.xero import limits as xero_limits
from apps.sandbox import control
from tests.providers.conftest import hub_customer

pytestmark = pytest.mark.django_db(transaction=True)

LIMITS = {"quickbooks": quickbooks_limits, "xero": xero_limits}


@pytest.fixture(autouse=True)
def _no_waiting(settings):
    """As in a worker task: a limit that says wait raises at once."""
    settings.PROVIDER_LIMIT_WAIT_SECONDS = 0


def another_process() -> Limiter:
    """The counts as another process sees them: its own connections to the same Redis (or, on
    the embedded defaults, this process's own counts)."""
    url = django_settings.REDIS_URL
    return Limiter(url) if url else shared_limiter()


def fill(budget) -> None:
    window = budget.window
    shared_limiter().windows.hit(window.item(), budget.scope, cost=window.paced)


def answer(status: int, headers: dict | None = None, body: bytes = b"{}") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = body
    response.encoding = "utf-8"
    return response


@pytest.fixture
def wire(monkeypatch):
    """The accounting APIs' HTTP layer answering ``wire.answers`` in turn; ``wire.sent`` counts
    the API requests that went out (sign-in and discovery requests go through as they are)."""

    class Wire:
        sent = 0
        answers: list[requests.Response] = []

    real = requests.Session.request

    def request(session, method, url, *args, **kwargs):
        if "/v3/company/" not in url and "/api.xro/" not in url:
            return real(session, method, url, *args, **kwargs)
        Wire.sent += 1
        return Wire.answers.pop(0)

    monkeypatch.setattr(requests.Session, "request", request)
    return Wire


def test_a_full_minute_sends_nothing_and_says_when_to_come_back(either):
    adapter, company = either
    integration = adapter.integration
    fill(LIMITS[integration.provider].call_for(integration.remote_company_id).budgets[0])
    before = control.requests_count(company)
    with pytest.raises(Throttled) as refused:
        adapter.find_customer(hub_customer(integration))
    assert 0 < refused.value.retry_after <= 60
    assert "nothing was sent" in refused.value.message
    assert control.requests_count(company) == before


def test_a_full_quickbooks_batch_minute_holds_back_batches_only(qbo):
    adapter, company = qbo
    realm = adapter.integration.remote_company_id
    fill(quickbooks_limits.call_for(realm, batch=True).budgets[0])
    before = control.requests_count(company)
    with pytest.raises(Throttled, match="40 batch requests a minute"):
        adapter.client.batch([], key="batch-1")
    assert control.requests_count(company) == before
    assert adapter.find_customer(hub_customer(adapter.integration)) is None
    assert control.requests_count(company) > before  # the rest of the realm's requests go


def test_a_429_holds_back_every_process_for_its_retry_after(either, wire):
    adapter, _ = either
    integration = adapter.integration
    wire.answers = [answer(429, {"Retry-After": "30", "X-Rate-Limit-Problem": "minute"})]
    with pytest.raises(TransientError) as refused:
        adapter.find_customer(hub_customer(integration))
    assert not isinstance(refused.value, Throttled)  # that one was sent, and refused
    call = LIMITS[integration.provider].call_for(integration.remote_company_id)
    with pytest.raises(Throttled, match="asked us to wait") as held:
        another_process().admit(call)
    assert 25 < held.value.retry_after <= 30
    with pytest.raises(Throttled):
        adapter.find_customer(hub_customer(integration))
    assert wire.sent == 1


def test_xero_app_minute_429_holds_back_every_organisation(connect, wire):
    first, _ = connect("xero")
    second, _ = connect("xero")
    wire.answers = [answer(429, {"Retry-After": "5", "X-Rate-Limit-Problem": "appminute"})]
    try:
        with pytest.raises(TransientError):
            adapter_for(first).client.request("GET", "Contacts")
        with pytest.raises(Throttled, match="appminute"):
            another_process().admit(xero_limits.call_for(second.remote_company_id))
        assert wire.sent == 1
    finally:
        another_process().blocks.clear(xero_limits.app_scope())


@pytest.mark.parametrize(
    ("header", "limit"),
    [("X-MinLimit-Remaining", "60 calls a minute"), ("X-DayLimit-Remaining", "5,000 calls a day")],
)
def test_xero_saying_no_calls_remain_holds_back_the_organisation(xero, wire, header, limit):
    adapter, _ = xero
    tenant = adapter.integration.remote_company_id
    wire.answers = [answer(200, {header: "0"}, b'{"Contacts": []}')]
    assert adapter.client.request("GET", "Contacts") == {"Contacts": []}
    with pytest.raises(Throttled, match=limit):
        another_process().admit(xero_limits.call_for(tenant))
    assert wire.sent == 1


def test_xero_with_plenty_remaining_changes_nothing(xero, wire):
    adapter, _ = xero
    tenant = adapter.integration.remote_company_id
    remaining = {"X-MinLimit-Remaining": "59", "X-DayLimit-Remaining": "4999"}
    wire.answers = [answer(200, remaining, b'{"Contacts": []}')]
    adapter.client.request("GET", "Contacts")
    another_process().admit(xero_limits.call_for(tenant)).release()


def test_a_settings_page_waits_a_moment_for_a_full_minute_instead_of_failing(either, settings):
    settings.PROVIDER_LIMIT_WAIT_SECONDS = 5
    settings.SANDBOX_RATE_WINDOW_SECONDS = 2  # the hub's minute follows the sandboxes' (2 s)
    adapter, company = either
    integration = adapter.integration
    fill(LIMITS[integration.provider].call_for(integration.remote_company_id).budgets[0])
    before, started = control.requests_count(company), time.monotonic()
    assert adapter.find_customer(hub_customer(integration)) is None
    assert time.monotonic() - started > 0.5
    assert control.requests_count(company) > before
