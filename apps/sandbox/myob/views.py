"""The MYOB API views, behind the MYOB gateway (headers, token, company file, limits, faults).

GET on a resource lists it (OData options, paged envelope) and GET on {UID} reads one; POST
creates and answers 201 Created with no body and a Location header naming the new record; PUT on
{UID} updates, with the RowVersion last read; DELETE removes. MYOB keeps no idempotency key: a
POST sent twice makes two records (https://developer.myob.com/api/myob-business-api/api-overview/
error-codes/ for the statuses; docs/sandbox-myob.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany, SandboxRecord

from . import credits, errors, odata, payments, records
from .company import company_file_json, company_json
from .gateway import myob_api
from .resources import Resource, resource_for
from .wire import company_file_uri, present


@myob_api(company_file=False)
def company_files(request: HttpRequest, token) -> HttpResponse:
    """GET /accountright/: the company files the person granted (one per consent)."""
    if request.method != "GET":
        return errors.method_not_allowed()
    return JsonResponse([company_file_json(request, token.company)], safe=False)


@myob_api()
def company(request: HttpRequest, company: SandboxCompany) -> HttpResponse:
    if request.method != "GET":
        return errors.method_not_allowed()
    return JsonResponse(company_json(request, company))


@myob_api()
def collection(request: HttpRequest, company: SandboxCompany, path: str) -> HttpResponse:
    resource = resource_for(path)
    if resource is None:
        return _member_or_404(request, company, path)
    if request.method not in resource.methods or request.method in ("PUT", "DELETE"):
        return errors.method_not_allowed()
    if request.method == "POST":
        return _create(request, company, resource)
    return _list(request, company, resource)


def _member_or_404(request: HttpRequest, company: SandboxCompany, path: str) -> HttpResponse:
    parent, _, uid = path.strip("/").rpartition("/")
    resource = resource_for(parent)
    if resource is None or not uid:
        return errors.not_found()
    return _member(request, company, resource, uid)


def _list(request: HttpRequest, company: SandboxCompany, resource: Resource) -> HttpResponse:
    cf_uri = company_file_uri(request, company)
    stored = _narrowed(store.records(company, resource.entity), resource, request.GET)
    rows = [
        present(row.data, cf_uri)
        for row in stored.order_by("created_at", "pk")
        if resource.shows(row.data)
    ]
    try:
        answer = odata.page(rows, request.GET, request.build_absolute_uri(request.path))
    except odata.QueryError as wrong:
        return errors.one("InvalidQuery", str(wrong), "OData query options")
    return JsonResponse(answer)


def _narrowed(rows: QuerySet, resource: Resource, params) -> QuerySet:
    """Fewer rows to read for a filter on the UID, a keyed field (Number, CompanyName,
    Customer/UID ...) or LastModified, the look-ups and pulls clients make most."""
    for field, op, value in odata.conjuncts(params.get("$filter", "")):
        if field.lower() == "uid" and op == "eq" and isinstance(value, str):
            rows = rows.filter(record_id=value.lower())
        elif op == "eq" and isinstance(value, str):
            keyed = store.key_filter(resource.entity, tuple(field.split("/")), [value])
            rows = rows.filter(keyed) if keyed is not None else rows
        elif field == "LastModified" and op in ("gt", "ge") and isinstance(value, datetime):
            # updated_at is set just after LastModified is stamped: never later than it.
            since = value.replace(tzinfo=UTC) - timedelta(seconds=1)
            rows = rows.filter(updated_at__gte=since)
    return rows


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as wrong:
        message = f"The request body is not JSON: {wrong}"
        raise errors.refuse("SerializationError", message) from wrong
    if not isinstance(body, dict):
        raise errors.refuse("SerializationError", "The request body must be a JSON object")
    return body


def _create(request: HttpRequest, company: SandboxCompany, resource: Resource) -> HttpResponse:
    try:
        body = _body(request)
        if body.get("UID"):
            # "Make sure that when POSTing, you are not passing the UID field ... it will cause
            # a conflict and result in the error 409" (apisupport.myob.com, article 4788117269647).
            raise errors.Refused(
                [errors.error("UidNotAllowed", "A new record must not carry a UID", "UID")]
            )
        with transaction.atomic():
            _writes_one_at_a_time(company)
            data = resource.build(company, body, None)
            record = records.create(company, resource.entity, data)
            payments.after_create(company, resource, record)
            credits.after_create(company, record)
    except errors.Refused as refused:
        return refused.response
    response = HttpResponse(status=201)
    response["Location"] = company_file_uri(request, company) + record.data["URI"]
    return response


def _member(request, company, resource: Resource, uid: str) -> HttpResponse:
    record = records.get(company, resource.entity, uid, include_deleted=True)
    if record is None or not resource.shows(record.data):
        return errors.not_found()
    if record.deleted:
        return errors.removed()
    if request.method not in resource.methods:
        return errors.method_not_allowed()
    if request.method == "GET":
        return JsonResponse(present(record.data, company_file_uri(request, company)))
    if request.method == "PUT":
        return _update(request, company, resource, record)
    if request.method == "DELETE":
        return _delete(company, resource, record)
    return errors.method_not_allowed()


def _update(request, company, resource: Resource, record: SandboxRecord) -> HttpResponse:
    try:
        body = _body(request)
        with transaction.atomic():
            _writes_one_at_a_time(company)
            locked = records.get(company, resource.entity, record.record_id, for_update=True)
            _check_row_version(body, locked)
            data = resource.build(company, body, locked.data)
            records.save(locked, data)
    except errors.Refused as refused:
        return refused.response
    return HttpResponse(status=200)


def _writes_one_at_a_time(company: SandboxCompany) -> None:
    """Lock the company file for the rest of the write, so two writes at once cannot both find
    an invoice number free, or both apply a payment to the same balance."""
    SandboxCompany.objects.select_for_update().filter(pk=company.pk).first()


def _check_row_version(body: dict, record: SandboxRecord) -> None:
    """ "RowVersion is a required item on any PUT request"; one that is not the record's current
    one means it changed since it was read: 409 Conflict (apisupport.myob.com, "Solving the
    IncorrectRowVersionSupplied Error message"; error-codes page, "409")."""
    sent = body.get("RowVersion")
    if sent in (None, ""):
        raise errors.refuse("Required", "RowVersion is required", "RowVersion")
    if str(sent) != record.data.get("RowVersion"):
        raise errors.refuse(
            "ConcurrencyViolation",
            "The record has been changed since it was read: the RowVersion supplied is out of date",
            f"Current RowVersion: {record.data.get('RowVersion')}",
        )


def _delete(company, resource: Resource, record: SandboxRecord) -> HttpResponse:
    try:
        with transaction.atomic():
            _writes_one_at_a_time(company)
            locked = records.get(company, resource.entity, record.record_id, for_update=True)
            payments.before_delete(company, resource, locked)
            credits.before_delete(company, locked)
            records.delete(locked)
    except errors.Refused as refused:
        return refused.response
    return HttpResponse(status=200)
