"""How long the sandboxes take to handle the requests the sync sends most, and how many SQL
queries each costs: ``manage.py sandbox_speed`` (docs/sandbox-speed.md).

The requests go through Django's test client, so the figures are the sandbox's own handling
(gateway, rules, storage, webhooks queued) without a network or a server in between. Every run
uses new companies, so runs do not change each other's figures.
"""

from __future__ import annotations

import cProfile
import io
import json
import logging
import pstats
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from apps.sandbox import oauth
from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.companies import company_create
from apps.sandbox.models import Provider, SandboxCompany, SandboxRecord

# Deliveries go to a port nothing listens on: queued and posted as in a real run, answered fast.
WEBHOOK_URL = "http://127.0.0.1:9/webhooks"
HOST = "127.0.0.1"


@dataclass
class Measure:
    name: str
    queries: list[int] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)

    def row(self) -> dict:
        return {
            "request": self.name,
            "queries": max(self.queries) if self.queries else 0,
            "ms_median": round(statistics.median(self.ms), 1) if self.ms else None,
            "ms_max": round(max(self.ms), 1) if self.ms else None,
            "status": sorted(self.statuses),
        }


@dataclass
class Ledger:
    client: Client
    company: SandboxCompany
    headers: dict
    base: str


def _connect(provider: str, name: str, country: str) -> Ledger:
    app = next(app for app in ensure_default_apps() if app.provider == provider)
    if app.webhook_url != WEBHOOK_URL:
        app.webhook_url = WEBHOOK_URL
        app.webhook_key = app.webhook_key or "speed"
        app.save(update_fields=["webhook_url", "webhook_key"])
    currency = {"AU": "AUD", "US": "USD"}[country]
    company = company_create(provider=provider, name=name, country=country, currency=currency)
    token = oauth.token_issue(app=app, company=company, scope="speed")
    headers = {
        "HTTP_AUTHORIZATION": f"Bearer {token.access_token}",
        "HTTP_ACCEPT": "application/json",
    }
    if provider == Provider.XERO:
        headers["HTTP_XERO_TENANT_ID"] = company.external_id
        base = "/sandbox/xero/api.xro/2.0"
    elif provider == Provider.MYOB:
        headers["HTTP_X_MYOBAPI_KEY"] = app.client_id
        headers["HTTP_X_MYOBAPI_VERSION"] = "v2"
        base = f"/sandbox/myob/accountright/{company.external_id}"
    else:
        base = f"/sandbox/quickbooks/v3/company/{company.external_id}"
    return Ledger(Client(SERVER_NAME=HOST), company, headers, base)


def _timed(measure: Measure, call: Callable, profile: cProfile.Profile | None = None):
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        if profile is not None:
            profile.enable()
        response = call()
        if profile is not None:
            profile.disable()
        measure.ms.append((time.perf_counter() - started) * 1000)
    measure.queries.append(len(captured.captured_queries))
    measure.statuses.add(response.status_code)
    return _answered(measure.name, response)


def _answered(what: str, response):
    """``response``, or a clear error naming ``what`` when the sandbox refused it."""
    if response.status_code >= 400:
        raise RuntimeError(f"{what}: {response.status_code} {response.content[:500]!r}")
    return response


def _post(ledger: Ledger, path: str, body, method: str = "post"):
    send = getattr(ledger.client, method)
    return send(
        f"{ledger.base}/{path}",
        data=json.dumps(body),
        content_type="application/json",
        **ledger.headers,
    )


def _get(ledger: Ledger, path: str, **extra):
    return ledger.client.get(f"{ledger.base}/{path}", **ledger.headers, **extra)


def _qbo(rounds: int, measures: dict, profiles: dict) -> None:
    qbo = _connect(Provider.QUICKBOOKS, f"Speed QBO {uuid.uuid4().hex[:6]}", "US")
    qs = "?minorversion=75"
    since = (timezone.now() - timedelta(minutes=5)).isoformat()
    for _ in range(rounds):
        tag = uuid.uuid4().hex[:8]
        customers = {
            "BatchItemRequest": [
                {
                    "bId": str(i),
                    "operation": "create",
                    "Customer": {
                        "DisplayName": f"Speed {tag} {i}",
                        "PrimaryEmailAddr": {"Address": f"s{i}@{tag}.example"},
                    },
                }
                for i in range(30)
            ]
        }
        answer = _timed(
            measures["qbo_batch_customers"],
            lambda b=customers: _post(qbo, f"batch{qs}", b),
            profiles.get("qbo_batch_customers"),
        )
        ids = [item["Customer"]["Id"] for item in answer.json()["BatchItemResponse"]]
        invoices = {
            "BatchItemRequest": [
                {
                    "bId": str(i),
                    "operation": "create",
                    "Invoice": {
                        "DocNumber": f"S{tag[:5]}{i}",
                        "CustomerRef": {"value": ids[i]},
                        "Line": [
                            {
                                "DetailType": "SalesItemLineDetail",
                                "Amount": 120.5,
                                "SalesItemLineDetail": {
                                    "ItemRef": {"value": "1"},
                                    "Qty": 1,
                                    "UnitPrice": 120.5,
                                },
                            }
                        ],
                    },
                }
                for i in range(30)
            ]
        }
        answer = _timed(
            measures["qbo_batch_invoices"],
            lambda b=invoices: _post(qbo, f"batch{qs}", b),
            profiles.get("qbo_batch_invoices"),
        )
        faults = [i for i in answer.json()["BatchItemResponse"] if "Fault" in i]
        if faults:
            raise RuntimeError(f"qbo batch invoices: {faults[:1]}")
        _timed(
            measures["qbo_cdc"],
            lambda: _get(qbo, f"cdc{qs}&entities=Customer,Invoice&changedSince={since}"),
            profiles.get("qbo_cdc"),
        )
        query = f"select * from Invoice where DocNumber = 'S{tag[:5]}7'"
        _timed(
            measures["qbo_query"],
            lambda q=query: qbo.client.get(
                f"{qbo.base}/query", {"query": q, "minorversion": 75}, **qbo.headers
            ),
            profiles.get("qbo_query"),
        )


def _xero(rounds: int, measures: dict, profiles: dict) -> None:
    xero = _connect(Provider.XERO, f"Speed Xero {uuid.uuid4().hex[:6]}", "AU")
    for _ in range(rounds):
        tag = uuid.uuid4().hex[:8]
        invoices = {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "InvoiceNumber": f"X{tag}-{i}",
                    "Contact": {"Name": f"Speed {tag} {i}", "EmailAddress": f"x{i}@{tag}.example"},
                    "Date": "2026-12-01",
                    "DueDate": "2026-12-31",
                    "Status": "AUTHORISED",
                    "LineAmountTypes": "Exclusive",
                    "LineItems": [
                        {
                            "Description": "Labour",
                            "Quantity": 1,
                            "UnitAmount": 99.5,
                            "AccountCode": "200",
                            "TaxType": "OUTPUT",
                        }
                    ],
                }
                for i in range(50)
            ]
        }
        answer = _timed(
            measures["xero_put_invoices_new_contacts"],
            lambda b=invoices: _post(xero, "Invoices?summarizeErrors=false", b, "put"),
            profiles.get("xero_put_invoices_new_contacts"),
        )
        bad = [i for i in answer.json()["Invoices"] if i.get("HasErrors")]
        if bad:
            raise RuntimeError(f"xero put: {bad[0].get('ValidationErrors')}")
    since = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    for _ in range(rounds):
        _timed(
            measures["xero_get_invoices_since_page"],
            lambda: _get(xero, "Invoices?page=1&pageSize=1000", HTTP_IF_MODIFIED_SINCE=since),
            profiles.get("xero_get_invoices_since_page"),
        )


def _myob(rounds: int, measures: dict, profiles: dict) -> None:
    myob = _connect(Provider.MYOB, f"Speed MYOB {uuid.uuid4().hex[:6]}", "AU")
    records = SandboxRecord.objects.filter(company=myob.company)
    gst = records.get(entity="myob:GeneralLedger/TaxCode", data__Code="GST").record_id
    sales = records.get(entity="myob:GeneralLedger/Account", data__DisplayID="4-1000").record_id
    for _ in range(rounds):
        tag = uuid.uuid4().hex[:8]
        posted = _post(
            myob,
            "Contact/Customer",
            {
                "CompanyName": f"Speed {tag}",
                "IsIndividual": False,
                "Addresses": [{"Location": 1, "Email": f"m@{tag}.example"}],
                "SellingDetails": {"TaxCode": {"UID": gst}, "FreightTaxCode": {"UID": gst}},
            },
        )
        location = _answered("myob post customer", posted).headers.get("Location")
        if not location:
            raise RuntimeError(
                f"myob post customer: no Location in the answer {posted.status_code}"
            )
        customer = location.rstrip("/").rsplit("/", 1)[1]
        body = {
            "Date": "2026-12-01",
            "Customer": {"UID": customer},
            "IsTaxInclusive": False,
            "Lines": [
                {
                    "Type": "Transaction",
                    "Description": "Drain",
                    "Total": 150.25,
                    "Account": {"UID": sales},
                    "TaxCode": {"UID": gst},
                }
            ],
        }
        _timed(
            measures["myob_post_invoice"],
            lambda b=body: _post(myob, "Sale/Invoice/Service", b),
            profiles.get("myob_post_invoice"),
        )


NAMES = [
    "qbo_batch_customers",
    "qbo_batch_invoices",
    "qbo_cdc",
    "qbo_query",
    "xero_put_invoices_new_contacts",
    "xero_get_invoices_since_page",
    "myob_post_invoice",
]


def sandbox_speed_run(*, rounds: int = 5, profile: list[str] | None = None) -> dict:
    """Each request ``rounds`` times; the most queries and the median and worst milliseconds.
    ``profile`` names requests to profile: their 25 costliest functions come back too."""
    measures = {name: Measure(name) for name in NAMES}
    profiles = {name: cProfile.Profile() for name in profile or []}
    webhooks_log = logging.getLogger("apps.sandbox.webhooks")
    level = webhooks_log.level
    webhooks_log.setLevel(logging.WARNING)
    try:
        with override_settings(
            SANDBOX_LIMITS={"myob": {"second": 10_000}},
            ALLOWED_HOSTS=[HOST, "testserver", "localhost"],
        ):
            _qbo(rounds, measures, profiles)
            _xero(rounds, measures, profiles)
            _myob(rounds, measures, profiles)
    finally:
        webhooks_log.setLevel(level)
    stats = {}
    for name, prof in profiles.items():
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
        stats[name] = out.getvalue()
    return {"rows": [measures[name].row() for name in NAMES], "profiles": stats}
