"""The Stripe API at ``/sandbox/stripe/v1``: the official ``stripe`` library works against it
with ``api_base`` (or a ``StripeClient``'s ``base_addresses``) set to ``/sandbox/stripe``.

Rules kept, each as Stripe documents it:
- Authentication: the secret key as a Bearer token (or HTTP Basic user name); anything else is
  401 with an ``invalid_request_error``. https://docs.stripe.com/api/authentication
- Errors: ``{"error": {type, code, message, param}}``; an unknown id is 404
  ``resource_missing`` naming the parameter. https://docs.stripe.com/api/errors
- Lists: ``{"object": "list", "data", "has_more", "url"}``, newest first, ``limit`` 1 to 100
  (default 10), ``starting_after`` / ``ending_before`` cursors by object id.
  https://docs.stripe.com/api/pagination
- ``expand[]``: ``data.source`` on balance transactions replaces the id with the object.
  https://docs.stripe.com/api/expanding_objects
- Unknown parameters are refused (400 ``parameter_unknown``).
- Idempotency: a POST with ``Idempotency-Key`` returns the first answer again. Keys are "up to
  255 characters long", longer ones are refused; "the idempotency layer compares incoming
  parameters to those of the original request and errors if they're not the same": a key
  reused with other parameters is 400 ``idempotency_error``.
  https://docs.stripe.com/api/idempotent_requests, https://docs.stripe.com/api/errors (types)
- A charge needs a payment source: without ``source`` Stripe answers "Must provide source or
  customer." (the sandbox keeps no customers, so ``customer`` is an unknown parameter).
  https://docs.stripe.com/api/charges/create
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.sandbox import store
from apps.sandbox.gateway import idempotent
from apps.sandbox.models import SandboxCompany

from . import errors, objects

LIST_LIMIT_MAX = 100
LIST_LIMIT_DEFAULT = 10
IDEMPOTENCY_KEY_MAX = 255
_EXPAND = re.compile(r"^expand\[\d*\]$")


def stripe_api(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            account = _authenticate(request)
            response = view(request, account, *args, **kwargs)
        except errors.StripeRefusal as refusal:
            response = refusal.response
        response["Request-Id"] = objects.new_id("req")
        return response

    return wrapper


def _authenticate(request: HttpRequest) -> SandboxCompany:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    key = ""
    if scheme.lower() == "bearer":
        key = value.strip()
    elif scheme.lower() == "basic":
        try:
            key = base64.b64decode(value.strip()).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            key = ""
    if not key:
        raise errors.unauthenticated(
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth "
            "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
        )
    account = objects.account_for_key(key)
    if account is None:
        shown = f"{key[:8]}{'*' * 8}{key[-4:]}" if len(key) > 12 else key
        raise errors.unauthenticated(f"Invalid API Key provided: {shown}")
    return account


def _params(request: HttpRequest, allowed: set[str]) -> tuple[dict[str, str], list[str]]:
    """Plain parameters and the ``expand[]`` list; unknown parameters are refused."""
    source = request.GET if request.method == "GET" else request.POST
    plain: dict[str, str] = {}
    expand: list[str] = []
    for name in source:
        if _EXPAND.match(name) or name == "expand":
            expand += source.getlist(name)
            continue
        root = name.split("[", 1)[0]
        if root not in allowed:
            raise errors.unknown_parameter(name)
        plain[name] = source.get(name, "")
    return plain, expand


def _integer(value: str, param: str, *, low: int | None = None, high: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise errors.invalid(f"Invalid integer: {value}", param) from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise errors.invalid(
            f"This value must be greater than or equal to {low} and less than or equal to {high}.",
            param,
        )
    return number


def _list(request, account, kind: str, rows, *, expand_source: bool) -> JsonResponse:
    """Stripe's list envelope over ``rows`` (a queryset), newest first."""
    params = request.GET
    limit = LIST_LIMIT_DEFAULT
    if "limit" in params:
        limit = _integer(params["limit"], "limit", low=1, high=LIST_LIMIT_MAX)
    rows = rows.order_by("-pk")
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise errors.invalid(
            "You may only specify one of these parameters: ending_before, starting_after.",
            "starting_after",
            code="parameter_invalid_string",
        )
    if after or before:
        cursor = objects.find(account, kind, after or before)
        if cursor is None:
            raise errors.missing(
                kind.replace("_", " "),
                after or before,
                param="starting_after" if after else "ending_before",
            )
        if after:
            rows = rows.filter(pk__lt=cursor.pk)
        else:
            rows = rows.filter(pk__gt=cursor.pk).order_by("pk")
    page = list(rows[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    if before:
        page.reverse()
    data = [objects.shown(row) for row in page]
    if expand_source:
        for item in data:
            item["source"] = _source(account, item.get("source"))
    return JsonResponse(
        {"object": "list", "data": data, "has_more": has_more, "url": f"/v1/{kind}s"}
    )


def _source(account: SandboxCompany, source_id: str | None) -> Any:
    if not source_id:
        return source_id
    kind = objects.CHARGE if source_id.startswith("ch_") else objects.PAYOUT
    record = objects.find(account, kind, source_id)
    return objects.shown(record) if record else source_id


BALANCE_LIST_PARAMS = {
    "payout",
    "limit",
    "starting_after",
    "ending_before",
    "type",
    "source",
    "currency",
    "created",
}


@stripe_api
def balance_transactions(request: HttpRequest, account: SandboxCompany) -> HttpResponse:
    if request.method != "GET":
        return _not_found(request)
    plain, expand = _params(request, BALANCE_LIST_PARAMS)
    for path in expand:
        if path not in ("data.source", "data.source.balance_transaction"):
            raise errors.invalid(
                f"This property cannot be expanded ({path}).",
                "expand",
                code="parameter_invalid_string",
            )
    rows = store.records(account, objects.BALANCE_TRANSACTION)
    if "payout" in plain:
        payout = objects.find(account, objects.PAYOUT, plain["payout"])
        if payout is None:
            raise errors.missing("payout", plain["payout"], param="payout")
        rows = rows.filter(**{f"data__{objects.PAID_OUT_IN}": payout.record_id})
    if plain.get("type"):
        rows = rows.filter(data__type=plain["type"])
    if plain.get("source"):
        rows = rows.filter(data__source=plain["source"])
    return _list(request, account, objects.BALANCE_TRANSACTION, rows, expand_source=bool(expand))


def _one(kind: str, label: str) -> Callable[..., HttpResponse]:
    @stripe_api
    def view(request: HttpRequest, account: SandboxCompany, object_id: str) -> HttpResponse:
        if request.method != "GET":
            return _not_found(request)
        _params(request, set())
        record = objects.find(account, kind, object_id)
        if record is None:
            raise errors.missing(label, object_id)
        return JsonResponse(objects.shown(record))

    return view


balance_transaction = _one(objects.BALANCE_TRANSACTION, "balance transaction")
payout = _one(objects.PAYOUT, "payout")
event = _one(objects.EVENT, "event")
charge = _one(objects.CHARGE, "charge")


@stripe_api
def account(request: HttpRequest, account: SandboxCompany) -> HttpResponse:
    return JsonResponse(
        {
            "id": account.external_id,
            "object": "account",
            "business_profile": {"name": account.name},
            "country": account.country,
            "default_currency": account.currency.lower(),
            "charges_enabled": True,
            "payouts_enabled": True,
        }
    )


CHARGE_PARAMS = {"amount", "currency", "source", "description", "metadata", "capture"}


@stripe_api
def charges(request: HttpRequest, account: SandboxCompany) -> HttpResponse:
    if request.method == "GET":
        plain, _ = _params(request, {"limit", "starting_after", "ending_before"})
        return _list(
            request,
            account,
            objects.CHARGE,
            store.records(account, objects.CHARGE),
            expand_source=False,
        )
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise errors.invalid(
            f"Idempotency keys must be at most {IDEMPOTENCY_KEY_MAX} characters long.",
            "Idempotency-Key",
            code="idempotency_key_in_use",
        )

    def produce() -> HttpResponse:
        try:
            plain, _ = _params(request, CHARGE_PARAMS)
            for name in ("amount", "currency"):
                if not plain.get(name):
                    raise errors.StripeRefusal(
                        400,
                        f"Missing required param: {name}.",
                        code="parameter_missing",
                        param=name,
                    )
            if not plain.get("source"):
                raise errors.StripeRefusal(400, "Must provide source or customer.")
            metadata = {
                name[len("metadata[") : -1]: value
                for name, value in plain.items()
                if name.startswith("metadata[") and name.endswith("]")
            }
            record = objects.charge_create(
                account,
                amount=_integer(plain["amount"], "amount", low=1),
                currency=plain["currency"],
                source=plain["source"],
                description=plain.get("description", ""),
                metadata=metadata,
            )
        except errors.StripeRefusal as refusal:
            return refusal.response
        return JsonResponse(objects.shown(record))

    return idempotent(
        account,
        f"stripe:{key}" if key else None,
        produce,
        request_digest=_digest(request),
        reused=lambda: errors.key_reused(key).response,
    )


def _digest(request: HttpRequest) -> str:
    """What a request asks, to tell a retry from another request under the same key."""
    asked = [request.method, request.path, sorted(request.POST.lists())]
    return hashlib.sha256(json.dumps(asked).encode()).hexdigest()


def _not_found(request: HttpRequest) -> HttpResponse:
    raise errors.StripeRefusal(
        404,
        f"Unrecognized request URL ({request.method}: {request.path}).",
        kind="invalid_request_error",
    )
