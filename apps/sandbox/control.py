"""Fault injection and the request log, for tests, benchmarks and ``manage.py sandbox_fault``."""

from __future__ import annotations

import time
from datetime import datetime

from . import oauth
from .models import SandboxCompany, SandboxFault, SandboxRequest

FAULT_KINDS = [choice for choice, _ in SandboxFault.Kind.choices]


class ControlError(ValueError):
    """A control request that cannot be carried out; the message says why."""


def company_by_external_id(external_id: str) -> SandboxCompany:
    company = SandboxCompany.objects.filter(external_id=str(external_id)).first()
    if company is None:
        raise ControlError(f"No sandbox company with id {external_id!r}.")
    return company


def fault_inject(
    *, company: SandboxCompany | str, kind: str, count: int = 1, path_contains: str = ""
) -> SandboxFault:
    """Answer the next ``count`` requests to the company (optionally only those whose path and
    query contain ``path_contains``) with a fault of ``kind`` (429, 500, 503, timeout, malformed,
    401) instead of the real answer."""
    if isinstance(company, str):
        company = company_by_external_id(company)
    kind = str(kind)
    if kind not in FAULT_KINDS:
        raise ControlError(f"Unknown fault kind {kind!r}; use one of {', '.join(FAULT_KINDS)}.")
    if int(count) < 1:
        raise ControlError("count must be at least 1.")
    return SandboxFault.objects.create(
        company=company, kind=kind, remaining=int(count), path_contains=path_contains or ""
    )


def faults_clear(*, company: SandboxCompany) -> int:
    return SandboxFault.objects.filter(company=company).delete()[0]


def token_expire(*, company: SandboxCompany | str) -> int:
    """Expire the company's access tokens at once; returns how many were live."""
    if isinstance(company, str):
        company = company_by_external_id(company)
    return oauth.expire_access_tokens(company)


def requests_log(
    company: SandboxCompany,
    *,
    path_contains: str = "",
    method: str | None = None,
    status: int | None = None,
    since: datetime | None = None,
):
    qs = SandboxRequest.objects.filter(company=company)
    if path_contains:
        qs = qs.filter(path__contains=path_contains)
    if method:
        qs = qs.filter(method=method.upper())
    if status is not None:
        qs = qs.filter(status=status)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.order_by("pk")


def requests_count(company: SandboxCompany | str, **filters) -> int:
    """How many API requests the company received (same filters as ``requests_log``)."""
    if isinstance(company, str):
        company = company_by_external_id(company)
    return requests_log(company, **filters).count()


def requests_wait(company: SandboxCompany | str, *, within: float = 10.0, **filters) -> bool:
    """Wait until a request matching ``filters`` is in the log; False if none came ``within``
    seconds. A "timeout" fault is logged only once the sandbox answers, after the client gave up:
    a test waits for that answer so its write cannot land in the next test's database."""
    deadline = time.monotonic() + within
    while not requests_count(company, **filters):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True
