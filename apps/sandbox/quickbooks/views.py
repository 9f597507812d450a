"""QBO Accounting API endpoints under ``/sandbox/quickbooks/v3/company/<realmId>/``.
Every view goes through the gateway (auth, limits, faults, log) and answers faults in QBO's shape.
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/account
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.sandbox.gateway import idempotent, sandbox_api
from apps.sandbox.models import Provider, SandboxCompany
from apps.sandbox.responses import qbo_time

from . import api, faults, ops
from .records import company_zone, find, render
from .schema import ENTITIES
from .wire import minor_version_checked, shaped

MAX_REQUEST_ID = 50


def _answer(produce: Callable[[], dict[str, Any]]) -> HttpResponse:
    try:
        body = produce()
    except faults.QboFault as fault:
        return fault.response()
    return JsonResponse({**body, "time": qbo_time()})


def _idempotent_answer(
    request: HttpRequest, company: SandboxCompany, produce: Callable[[], dict[str, Any]]
) -> HttpResponse:
    """Honour ``?requestid=``: a repeat gets the first answer and nothing is done again."""
    request_id = request.GET.get("requestid", "")
    if len(request_id) > MAX_REQUEST_ID:
        return faults.invalid_property(
            f"Property Name:requestid is longer than {MAX_REQUEST_ID} characters", "requestid"
        ).response()
    key = f"qbo:{request_id}" if request_id else None
    return idempotent(company, key, lambda: _answer(produce))


@require_POST
@shaped
@sandbox_api(Provider.QUICKBOOKS)
@minor_version_checked
def entity_write(request: HttpRequest, company: SandboxCompany, entity: str) -> HttpResponse:
    def produce() -> dict[str, Any]:
        return api.write(
            company,
            api.entity_for_url(entity),
            api.parse_json(request.body),
            operation=request.GET.get("operation", "").lower(),
            include=request.GET.get("include", "").lower(),
        )

    return _idempotent_answer(request, company, produce)


@require_GET
@shaped
@sandbox_api(Provider.QUICKBOOKS)
@minor_version_checked
def entity_read(
    request: HttpRequest, company: SandboxCompany, entity: str, record_id: str
) -> HttpResponse:
    def produce() -> dict[str, Any]:
        found = api.entity_for_url(entity)
        if found.name == "CompanyInfo" and record_id == company.external_id:
            return api.read(company, found, "1")
        return api.read(company, found, record_id, include=request.GET.get("include", ""))

    return _answer(produce)


@require_POST
@shaped
@sandbox_api(Provider.QUICKBOOKS)
@minor_version_checked
def invoice_send(
    request: HttpRequest, company: SandboxCompany, entity: str, record_id: str
) -> HttpResponse:
    """``POST /invoice/<id>/send``: marks the document e-mailed, as QBO does after sending it."""

    def produce() -> dict[str, Any]:
        found = api.entity_for_url(entity)
        if found.name not in ("Invoice", "Estimate", "SalesReceipt"):
            raise faults.unsupported("Send", found.name)
        record = find(company, found.name, record_id)
        if record is None:
            raise faults.not_found(found.name, record_id)
        body = {"Id": record.record_id, "SyncToken": str(record.version), "sparse": True}
        body["EmailStatus"] = "EmailSent"
        send_to = request.GET.get("sendTo")
        if send_to:
            body["BillEmail"] = {"Address": send_to}
        record = ops.update(company, found, body, sparse=True)
        return {found.name: render(record, company_zone(company))}

    return _answer(produce)


@require_http_methods(["GET", "POST"])
@shaped
@sandbox_api(Provider.QUICKBOOKS)
@minor_version_checked
def query(request: HttpRequest, company: SandboxCompany) -> HttpResponse:
    """GET ``?query=`` or POST with the query as an application/text body."""
    if request.method == "GET":
        text = request.GET.get("query", "")
    else:
        text = request.body.decode("utf-8", errors="replace")
    include = request.GET.get("include", "")
    return _answer(lambda: api.run_query(company, text, include=include))


@require_POST
@shaped
@sandbox_api(Provider.QUICKBOOKS, batch=True)
@minor_version_checked
def batch(request: HttpRequest, company: SandboxCompany) -> HttpResponse:
    return _idempotent_answer(
        request, company, lambda: api.batch(company, api.parse_json(request.body))
    )


@require_GET
@shaped
@sandbox_api(Provider.QUICKBOOKS)
@minor_version_checked
def cdc(request: HttpRequest, company: SandboxCompany) -> HttpResponse:
    return _answer(
        lambda: api.change_data_capture(
            company, request.GET.get("entities", ""), request.GET.get("changedSince", "")
        )
    )


@require_http_methods(["GET", "POST"])
@shaped
@sandbox_api(Provider.QUICKBOOKS)
@minor_version_checked
def preferences(request: HttpRequest, company: SandboxCompany) -> HttpResponse:
    entity = ENTITIES["Preferences"]
    if request.method == "GET":
        return _answer(lambda: api.read(company, entity, "1"))
    return _idempotent_answer(
        request, company, lambda: api.write(company, entity, api.parse_json(request.body))
    )
