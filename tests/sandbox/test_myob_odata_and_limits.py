"""Lists as a MYOB client reads them ($filter on LastModified and on the fields the product
matches by, $orderby, $top / $skip and the {Items, NextPageLink, Count} envelope), and MYOB's
rate limits answered with 403 RateLimitError."""

from __future__ import annotations

import time
import uuid

import pytest

from apps.sandbox import oauth
from apps.sandbox.models import Provider, SandboxApp
from tests.sandbox.myob_fixtures import *  # noqa: F403 (fixtures)
from tests.sandbox.myob_helpers import Myob, customer_body, error_names, service_invoice

pytestmark = pytest.mark.django_db(transaction=True)


def _names(answer) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [row["CompanyName"] for row in answer.json()["Items"]]


def test_filter_on_last_modified_returns_only_later_changes(myob):
    before = myob.created("Contact/Customer", customer_body(myob, "Before Co"))
    time.sleep(0.05)
    after = myob.created("Contact/Customer", customer_body(myob, "After Co"))
    since = before["LastModified"]
    answer = myob.get("Contact/Customer", **{"$filter": f"LastModified gt datetime'{since}'"})
    assert _names(answer) == ["After Co"]
    assert after["LastModified"] > since


def test_filter_by_email_number_and_customer_uid(myob):
    customer = myob.created("Contact/Customer", customer_body(myob, "Mail Co", "x@mail.example"))
    query = "Addresses/any(a: a/Email eq 'X@MAIL.example')"
    assert myob.one("Contact/Customer", **{"$filter": query})["UID"] == customer["UID"]
    by_uid = myob.one("Contact/Customer", **{"$filter": f"UID eq guid'{customer['UID'].upper()}'"})
    assert by_uid["CompanyName"] == "Mail Co"
    invoice = myob.created(
        "Sale/Invoice/Service", service_invoice(myob, customer["UID"], Number="F-1")
    )
    mine = myob.one(
        "Sale/Invoice/Service",
        **{"$filter": f"Customer/UID eq guid'{customer['UID']}' and Number eq 'F-1'"},
    )
    assert mine["UID"] == invoice["UID"]


def test_substringof_and_or(myob):
    myob.created("Contact/Customer", customer_body(myob, "Alpha Plumbing"))
    myob.created("Contact/Customer", customer_body(myob, "Beta Electrical"))
    query = "substringof('plumb', CompanyName) eq true or CompanyName eq 'Beta Electrical'"
    assert sorted(_names(myob.get("Contact/Customer", **{"$filter": query}))) == [
        "Alpha Plumbing",
        "Beta Electrical",
    ]


def test_orderby_top_skip_and_next_page_link(myob):
    for name in ("Zed Co", "Ant Co", "Moth Co"):
        myob.created("Contact/Customer", customer_body(myob, name))
    query = {"$filter": "substringof(' Co', CompanyName)", "$orderby": "CompanyName desc"}
    first = myob.get("Contact/Customer", **query, **{"$top": 2}).json()
    assert [r["CompanyName"] for r in first["Items"]] == ["Zed Co", "Moth Co"]
    assert first["Count"] == 3 and first["NextPageLink"]
    rest = myob.session.get(first["NextPageLink"], timeout=10).json()
    assert [r["CompanyName"] for r in rest["Items"]] == ["Ant Co"]
    assert rest["NextPageLink"] is None


def test_a_filter_the_api_cannot_read_is_a_400(myob):
    answer = myob.get("Contact/Customer", **{"$filter": "CompanyName like 'x'"})
    assert answer.status_code == 400 and error_names(answer) == ["InvalidQuery"]


def test_top_is_capped_at_a_thousand(myob):
    answer = myob.get("GeneralLedger/Account", **{"$top": 5000})
    assert answer.status_code == 200 and answer.json()["NextPageLink"] is None


@pytest.fixture
def own_key_client(live_server, au_file, settings):
    """A client with an API key of its own, so no other test's calls count against it."""
    app = SandboxApp.objects.create(
        provider=Provider.MYOB,
        name="Rate test",
        client_id=f"rate-{uuid.uuid4()}",
        client_secret="s",
    )
    client = Myob(live_server.url, oauth.token_issue(app=app, company=au_file))
    yield client
    client.session.close()


def _fresh_window(length: float) -> None:
    """Start at the beginning of a counting window, so the test's calls share one."""
    left = length - (time.time() % length)
    if left < length / 2:
        time.sleep(left + 0.01)


def test_more_than_the_per_second_limit_is_a_403_rate_limit_error(own_key_client, settings):
    settings.SANDBOX_LIMITS = {"myob": {"second": 3}}
    settings.SANDBOX_MYOB_SECOND_SECONDS = 4.0
    _fresh_window(4.0)
    answers = [own_key_client.get("GeneralLedger/TaxCode") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 403]
    refused = answers[-1].json()["Errors"][0]
    assert refused["Name"] == "RateLimitError"
    assert refused["Message"] == "API key has exceeded the per-second rate limit"
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_more_than_the_daily_limit_is_a_403_daily_rate_limit_error(own_key_client, settings):
    settings.SANDBOX_LIMITS = {"myob": {"second": 1000, "day": 2}}
    settings.SANDBOX_MYOB_SECOND_SECONDS = 0.0005  # a sandbox "day" of 43.2 seconds
    _fresh_window(43.2)
    answers = [own_key_client.get("Company") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 403]
    assert answers[-1].json()["Errors"][0]["Message"] == "API key has exceeded the daily rate limit"


def test_number_filter_ignores_case_and_pull_since_sees_payment_changes(myob):
    customer = myob.created("Contact/Customer", customer_body(myob, "Case Co"))
    invoice = myob.created(
        "Sale/Invoice/Service", service_invoice(myob, customer["UID"], 10, Number="Ab-9")
    )
    assert myob.one("Sale/Invoice", **{"$filter": "Number eq 'AB-9'"})["UID"] == invoice["UID"]
    since = f"LastModified gt datetime'{invoice['LastModified']}'"
    assert myob.get("Sale/Invoice", **{"$filter": since}).json()["Count"] == 0
    payment = {
        "DepositTo": "UndepositedFunds",
        "Customer": {"UID": customer["UID"]},
        "Date": "2026-12-04",
        "AmountReceived": 5,
        "Invoices": [{"UID": invoice["UID"], "AmountApplied": 5, "Type": "Invoice"}],
    }
    assert myob.post("Sale/CustomerPayment", payment).status_code == 201
    changed = myob.one("Sale/Invoice", **{"$filter": since})
    assert changed["UID"] == invoice["UID"] and changed["BalanceDueAmount"] == 6.0
