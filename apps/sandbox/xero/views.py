"""The Accounting API views, behind the sandbox gateway (token, tenant, limits, faults, log).

GET lists and reads, PUT creates, POST creates or updates, one or many records per request.
https://developer.xero.com/documentation/api/accounting/overview
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from apps.sandbox import store
from apps.sandbox.gateway import idempotent, sandbox_api
from apps.sandbox.models import SandboxCompany

from . import entities, errors
from .credit_notes import AllocationKind, allocation_delete
from .formats import parse_since
from .kinds import Kind
from .lines import unit_places
from .organisation import organisation_json
from .reads import read_list, read_one
from .where import QueryError
from .writes import KINDS, write_elements

IDEMPOTENCY_KEY_MAX = 128
_BY_LOWER_NAME = {name.lower(): kind for name, kind in KINDS.items()}


@sandbox_api("xero")
def collection(request: HttpRequest, company: SandboxCompany, name: str) -> HttpResponse:
    kind = _BY_LOWER_NAME.get(name.lower())
    if kind is None:
        return errors.not_found()
    if request.method == "GET":
        return _list(request, company, kind)
    if request.method in ("PUT", "POST"):
        return _write(request, company, kind, updates=request.method == "POST")
    return errors.method_not_allowed()


@sandbox_api("xero")
def member(request: HttpRequest, company: SandboxCompany, name: str, key: str) -> HttpResponse:
    kind = _BY_LOWER_NAME.get(name.lower())
    record = read_one(company, kind, key) if kind else None
    if record is None:
        return errors.not_found()
    if request.method == "GET":
        return errors.envelope(kind.entity, [kind.present(company, record)])
    if request.method == "POST":
        return _write(request, company, kind, updates=True, path_id=record.record_id)
    if request.method == "DELETE" and kind.entity == entities.ITEMS:
        store.record_delete(record=record)
        return HttpResponse(status=204)
    return errors.method_not_allowed()


@sandbox_api("xero")
def credit_note_allocations(
    request: HttpRequest, company: SandboxCompany, key: str
) -> HttpResponse:
    """PUT /CreditNotes/{id}/Allocations: the credit note's credit applied to invoices.
    https://developer.xero.com/documentation/api/accounting/creditnotes (Allocations)"""
    note = read_one(company, KINDS[entities.CREDIT_NOTES], key)
    if note is None:
        return errors.not_found()
    if request.method != "PUT":
        return errors.method_not_allowed()
    return _write(request, company, AllocationKind(note.record_id), updates=False)


@sandbox_api("xero")
def credit_note_allocation(
    request: HttpRequest, company: SandboxCompany, key: str, allocation_id: str
) -> HttpResponse:
    """DELETE /CreditNotes/{id}/Allocations/{AllocationID}: answered with the allocation, now
    ``IsDeleted`` (deleteCreditNoteAllocations in xero_accounting.yaml)."""
    if request.method != "DELETE":
        return errors.method_not_allowed()
    note = read_one(company, KINDS[entities.CREDIT_NOTES], key)
    gone = allocation_delete(company, note.record_id, allocation_id) if note else None
    if gone is None:
        return errors.not_found()
    return JsonResponse(gone)


@sandbox_api("xero")
def organisation(request: HttpRequest, company: SandboxCompany) -> HttpResponse:
    if request.method != "GET":
        return errors.method_not_allowed()
    return errors.envelope("Organisations", [organisation_json(company)])


def _list(request: HttpRequest, company: SandboxCompany, kind: Kind) -> HttpResponse:
    header = request.headers.get("If-Modified-Since", "").strip()
    since = parse_since(header) if header else None
    try:
        rows, pagination = read_list(company, kind, request.GET, since)
    except QueryError as wrong:
        return errors.query_invalid(str(wrong))
    # Nothing changed since If-Modified-Since is still a 200, with an empty list.
    extra = {"pagination": pagination} if pagination else {}
    return errors.envelope(kind.entity, rows, **extra)


def _write(
    request: HttpRequest,
    company: SandboxCompany,
    kind: Kind,
    *,
    updates: bool,
    path_id: str | None = None,
) -> HttpResponse:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        message = f"Idempotency-Key must be at most {IDEMPOTENCY_KEY_MAX} characters."
        return errors.validation_failed([{"ValidationErrors": [{"Message": message}]}])

    def produce() -> HttpResponse:
        try:
            elements = _elements(_body(request), kind, single=path_id is not None)
        except errors.RequestRefused as refused:
            return refused.response
        summarize = request.GET.get("summarizeErrors", "true").lower() != "false"
        # Xero documents no ``unitdp`` on Quotes (xero_accounting.yaml, createQuotes and
        # updateOrCreateQuotes) and ignores what it does not know: a quote keeps 2 decimals.
        # https://developer.xero.com/documentation/api/accounting/quotes
        unitdp = None if kind.entity == entities.QUOTES else request.GET.get("unitdp")
        with unit_places(unitdp):
            outcome = write_elements(
                company, kind, elements, updates=updates, path_id=path_id, summarize=summarize
            )
        if summarize and outcome.refused:
            return errors.validation_failed(outcome.refused)
        return errors.envelope(kind.entity, outcome.elements)

    return idempotent(company, f"xero:{key}" if key else None, produce)


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig as too_big:
        # Xero takes up to 3.5 MB; Django's own upload limit (settings) is what applies here.
        raise errors.RequestRefused(
            errors.post_data_invalid("The request is too large; send fewer records at a time.")
        ) from too_big


def _elements(body: bytes, kind: Kind, *, single: bool) -> list[Any]:
    """The records a request body carries: ``{"Invoices": [...]}``, one bare record, or a list."""
    try:
        parsed = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as wrong:
        raise errors.RequestRefused(
            errors.post_data_invalid(f"JSON for post data was invalid, {wrong}")
        ) from wrong
    if isinstance(parsed, dict) and kind.entity in parsed:
        parsed = parsed[kind.entity]
    if isinstance(parsed, dict):
        parsed = [parsed]
    if not isinstance(parsed, list) or not parsed:
        raise errors.RequestRefused(
            errors.post_data_invalid(f"The request must carry one or more {kind.entity}.")
        )
    if single and len(parsed) != 1:
        raise errors.RequestRefused(
            errors.post_data_invalid(f"Only one of the {kind.entity} can be updated by id.")
        )
    return parsed
