"""The only place that talks HTTP to QuickBooks Online: python-quickbooks, pointed at
``settings.QBO_API_BASE`` (Intuit, or the built-in sandbox), with every answer turned into JSON
or a ``SyncError`` of apps.integrations.contract.

python-quickbooks maps fault codes to exception classes crudely (5010 and 6240 arrive as plain
``QuickbooksException``, 3001 as ``ValidationException``, anything unreadable as code 10000), so
we branch on ``error_code`` and the HTTP status, never on the class.
https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import requests
from django.conf import settings
from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException

from apps.integrations.companies import bearer_headers, company_json
from apps.integrations.contract import (
    AuthExpired,
    PermanentError,
    ReconnectNeeded,
    RemoteGone,
    SyncError,
    TransientError,
)
from apps.integrations.limiter import request_slot
from apps.integrations.oauth import (
    TIMEOUT_SECONDS,
    Endpoints,
    OAuthFailure,
    TokenSet,
    allow_plain_http_for,
    revoke_call,
    token_call,
    token_session,
)
from apps.integrations.tokens import token_get, token_refresh
from apps.integrations.wire import environment_read_once, json_ready

from . import limits

T = TypeVar("T")

STALE_OBJECT = "5010"
DUPLICATE_NAME = "6240"
OBJECT_NOT_FOUND = "610"
THROTTLED = "3001"
AUTH_FAILED = {"3200", "003200", "401"}
AUTHORIZATION_FAILED = {"3100", "003100", "403"}


class QboFault(PermanentError):
    """A validation fault; ``code`` lets the adapter resolve 5010 and 6240 itself."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def request_id(key: str) -> str:
    """QBO's ``requestid`` holds at most 50 characters: longer keys are hashed, stably."""
    if len(key) <= limits.REQUEST_ID_MAX_LENGTH:
        return key
    return hashlib.sha256(key.encode()).hexdigest()[: limits.REQUEST_ID_MAX_LENGTH]


def to_json(body: Mapping) -> str:
    return json.dumps(json_ready(body))


def fault_error(message: str, detail: str, code: str) -> SyncError:
    """One QBO fault as the engine needs it (docs/sync-rules.md, "Retries and parking")."""
    code = str(code).lstrip("0") or "0"
    text = f"{message}: {detail}" if detail and detail != message else message
    if code in {c.lstrip("0") for c in AUTH_FAILED}:
        return AuthExpired(f"QuickBooks refused the access token ({text}).")
    if code == THROTTLED:
        return TransientError(
            f"QuickBooks throttled the request ({text}).", retry_after=limits.THROTTLE_WAIT_SECONDS
        )
    if code == OBJECT_NOT_FOUND:
        return RemoteGone(f"The record no longer exists in QuickBooks ({text}).")
    return QboFault(f"QuickBooks refused it: {text} (code {code})", code=code)


def translate(exc: QuickbooksException, response: requests.Response | None) -> SyncError:
    status = response.status_code if response is not None else None
    code = str(exc.error_code or "")
    if status == 401 or code in AUTH_FAILED:
        return AuthExpired("QuickBooks refused the access token.")
    if status == 403 or code in AUTHORIZATION_FAILED:
        return ReconnectNeeded(
            "QuickBooks no longer lets this connection in (authorization failed): reconnect "
            "the integration in Settings → Integrations."
        )
    if status == 429 or code == THROTTLED:
        return TransientError(
            "QuickBooks throttled the request.", retry_after=limits.retry_after_of(response)
        )
    if status is not None and status >= 500:
        return TransientError(f"QuickBooks answered HTTP {status}.")
    if code == "10000":
        if status == 404:
            return RemoteGone("QuickBooks answered 404: the record is not there.")
        if status is None or status < 400:
            return TransientError(f"QuickBooks answered something unreadable (HTTP {status}).")
        return PermanentError(f"QuickBooks answered HTTP {status}: {exc.message[:300]}")
    return fault_error(exc.message, exc.detail or "", code)


class PointedQuickBooks(QuickBooks):
    """python-quickbooks at our base URL, with a time-out, the realm's shared limits, and the
    last answer kept so that errors can be told apart by HTTP status."""

    base_url = ""
    last_response: requests.Response | None = None

    @property
    def api_url(self) -> str:  # python-quickbooks builds every URL from this
        return self.base_url

    def process_request(self, request_type, url, headers="", params="", data=""):
        self.last_response = None
        realm = str(self.company_id)
        call = limits.call_for(realm, batch=url.rstrip("/").endswith("/batch"))
        headers = dict(headers or {})
        headers["Authorization"] = f"Bearer {self.auth_client.access_token}"
        # Throttled (nothing sent) when the realm's limits say wait (apps/integrations/limiter.py)
        with request_slot(call):
            try:
                response = self.session.request(
                    request_type,
                    url,
                    headers=headers,
                    params=params,
                    data=data,
                    timeout=limits.REQUEST_TIMEOUT_SECONDS,
                    withhold_token=True,
                )
            except requests.Timeout as exc:
                raise TransientError("QuickBooks did not answer in time.") from exc
            except requests.RequestException as exc:
                raise TransientError(f"Could not reach QuickBooks: {exc}") from exc
        limits.honour(realm, response)
        self.last_response = response
        return response


# Built python-quickbooks clients kept per thread, by realm and access token: building one
# costs an HTTP GET of Intuit's discovery document (``AuthClient``) and about 16 ms of CPU,
# which every drain and pull task paid again. Per thread, since a client keeps its last
# answer (``last_response``); bounded, so tokens refreshed away fall out.
_kept = threading.local()
KEPT_CLIENTS = 32


def _built(realm: str, access_token: str, build: Callable[[str], PointedQuickBooks]):
    clients: OrderedDict = getattr(_kept, "clients", None) or OrderedDict()
    _kept.clients = clients
    key = (settings.QBO_API_BASE, settings.QBO_CLIENT_ID, realm, access_token)
    qb = clients.get(key)
    if qb is None or qb.auth_client.access_token != access_token:
        qb = clients[key] = build(access_token)
    clients.move_to_end(key)
    while len(clients) > KEPT_CLIENTS:
        clients.popitem(last=False)
    return qb


class QuickBooksClient:
    """One integration's QuickBooks company; refreshes the access token once on a 401."""

    def __init__(self, integration) -> None:
        self.integration = integration
        self.realm = integration.remote_company_id
        self._qb: PointedQuickBooks | None = None

    @property
    def qb(self) -> PointedQuickBooks:
        if self._qb is None:
            access_token = token_get(integration=self.integration, at_provider=token_renew)
            self._qb = _built(self.realm, access_token, self._build)
        return self._qb

    def _build(self, access_token: str) -> PointedQuickBooks:
        allow_plain_http_for(settings.QBO_API_BASE)
        auth_client = AuthClient(
            client_id=settings.QBO_CLIENT_ID,
            client_secret=settings.QBO_CLIENT_SECRET,
            redirect_uri=f"{settings.SITE_URL}/settings/integrations/quickbooks/callback/",
            environment=settings.QBO_DISCOVERY_URL,
            access_token=access_token,
            realm_id=self.realm,
        )
        qb = PointedQuickBooks(
            auth_client=auth_client,
            company_id=self.realm,
            minorversion=limits.MINOR_VERSION,
            use_decimal=True,
        )
        qb.base_url = settings.QBO_API_BASE.rstrip("/")
        environment_read_once(qb.session, qb.base_url)
        return qb

    def _call(self, action: Callable[[PointedQuickBooks], T]) -> T:
        for attempt in (1, 2):
            qb = self.qb
            try:
                return action(qb)
            except QuickbooksException as exc:
                error = translate(exc, qb.last_response)
            except (KeyError, ValueError, TypeError) as exc:
                # python-quickbooks reading a fault without Message or with a non-numeric code
                status = getattr(qb.last_response, "status_code", None)
                raise TransientError(
                    f"QuickBooks answered a fault we could not read (HTTP {status})."
                ) from exc
            if isinstance(error, AuthExpired) and attempt == 1:
                rejected = qb.auth_client.access_token
                qb.auth_client.access_token = token_refresh(
                    integration=self.integration, rejected_token=rejected, at_provider=token_renew
                )
                continue
            raise error
        raise AssertionError("unreachable")

    def _url(self, path: str) -> str:
        return f"{self.qb.api_url}/company/{self.realm}/{path}"

    @staticmethod
    def _entity(answer: Mapping, entity: str) -> dict:
        if not isinstance(answer, Mapping) or not isinstance(answer.get(entity), Mapping):
            raise TransientError(f"QuickBooks answered without the {entity}.")
        return dict(answer[entity])

    # --- the calls ------------------------------------------------------------------------
    def read(self, entity: str, remote_id: str) -> dict:
        """https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#read-an-invoice"""
        answer = self._call(lambda qb: qb.get_single_object(entity, remote_id))
        return self._entity(answer, entity)

    def create(self, entity: str, body: Mapping, *, key: str) -> dict:
        """POST without Id; ``requestid`` makes a repeat return the first answer."""
        answer = self._call(
            lambda qb: qb.create_object(entity, to_json(body), request_id=request_id(key))
        )
        return self._entity(answer, entity)

    def update(self, entity: str, body: Mapping, *, params: Mapping | None = None) -> dict:
        """Sparse update: ``body`` has Id, SyncToken and only the fields we own."""
        payload = {**body, "sparse": True}
        answer = self._call(
            lambda qb: qb.update_object(entity, to_json(payload), params=dict(params or {}))
        )
        return self._entity(answer, entity)

    def operation(self, entity: str, body: Mapping, params: Mapping) -> dict:
        """``?operation=void`` and friends (void an invoice, a payment, a sales receipt)."""
        url = self._url(entity.lower())
        answer = self._call(lambda qb: qb.post(url, to_json(body), params=dict(params)))
        return self._entity(answer, entity)

    def query(self, select: str) -> list[dict]:
        """https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries"""
        answer = self._call(lambda qb: qb.query(select))
        response = answer.get("QueryResponse") if isinstance(answer, Mapping) else None
        if not isinstance(response, Mapping):
            raise TransientError("QuickBooks answered a query without QueryResponse.")
        match = re.search(r"\bfrom\s+(\w+)", select, re.IGNORECASE)
        entity = match.group(1) if match else ""
        rows = response.get(entity, [])
        if not isinstance(rows, list):
            raise TransientError(f"QuickBooks answered a query with a malformed {entity} list.")
        return rows

    def batch(self, items: list[dict], *, key: str) -> list[dict]:
        """https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch"""
        url = self._url("batch")
        body = to_json({"BatchItemRequest": items})
        answer = self._call(lambda qb: qb.post(url, body, request_id=request_id(key)))
        rows = answer.get("BatchItemResponse") if isinstance(answer, Mapping) else None
        if not isinstance(rows, list):
            raise TransientError("QuickBooks answered a batch without BatchItemResponse.")
        return rows

    def cdc(self, entities: list[str], changed_since: str) -> dict[str, list[dict]]:
        """https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/changedatacapture"""
        answer = self._call(lambda qb: qb.change_data_capture(",".join(entities), changed_since))
        try:
            responses = answer["CDCResponse"][0]["QueryResponse"]
        except (KeyError, IndexError, TypeError) as exc:
            raise TransientError("QuickBooks answered change data capture malformed.") from exc
        found: dict[str, list[dict]] = {entity: [] for entity in entities}
        for response in responses or []:
            for entity in entities:
                found[entity].extend(response.get(entity) or [])
        return found


# --- connecting: OAuth 2 and the company an authorization granted ------------------------
@functools.lru_cache(maxsize=8)
def _discovery(url: str) -> dict:
    """QuickBooks' OpenID discovery document names its endpoints.
    https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/openid-connect#discovery-document
    """
    try:
        response = requests.get(
            url, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"}
        )
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OAuthFailure(f"QuickBooks could not be reached ({exc.__class__.__name__}).") from exc


def oauth_endpoints() -> Endpoints:
    document = _discovery(settings.QBO_DISCOVERY_URL)
    return Endpoints(
        client_id=settings.QBO_CLIENT_ID,
        client_secret=settings.QBO_CLIENT_SECRET,
        authorize_url=document["authorization_endpoint"],
        token_url=document["token_endpoint"],
        revoke_url=document.get("revocation_endpoint", ""),
        pkce=False,
    )


def token_exchange(
    *, redirect_uri: str, scopes: Sequence[str], code: str, code_verifier: str = ""
) -> TokenSet:
    """The authorization code for tokens (QuickBooks uses no PKCE)."""
    config = oauth_endpoints()
    session = token_session(config, redirect_uri=redirect_uri, scopes=scopes)
    return token_call(session.fetch_token, config, code=code)


def token_renew(refresh_token: str) -> TokenSet:
    config = oauth_endpoints()
    return token_call(token_session(config).refresh_token, config, refresh_token=refresh_token)


def token_revoke(refresh_token: str) -> bool:
    """https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0#revoke-token-disconnect"""

    def send(config: Endpoints, auth) -> requests.Response:
        return requests.post(
            config.revoke_url,
            json={"token": refresh_token},
            auth=auth,
            headers={"Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
        )

    return revoke_call(send, endpoints=oauth_endpoints, refresh_token=refresh_token)


def company_get(realm: str, path: str, *, access_token: str) -> dict:
    """One GET of the company's API before it is connected (CompanyInfo, Preferences)."""
    url = f"{settings.QBO_API_BASE}/company/{realm}/{path}"
    params = {"minorversion": limits.MINOR_VERSION}
    return company_json(
        lambda: requests.get(
            url, params=params, headers=bearer_headers(access_token), timeout=TIMEOUT_SECONDS
        )
    )
