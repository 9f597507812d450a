"""The only place that talks HTTP to MYOB Business (AccountRight) API: one company file
(``{MYOB_API_BASE}/{businessId}/...``) with the integration's access token, at
``settings.MYOB_API_BASE`` (MYOB, or the built-in sandbox).

Every request carries ``Authorization: Bearer``, ``x-myobapi-key`` (the app's API key, which is
its OAuth client id) and ``x-myobapi-version: v2``.
https://developer.myob.com/api/myob-business-api/api-overview/authentication/
https://developer.myob.com/api/accountright/v2/ (x-myobapi-version)

Every answer becomes JSON or a ``SyncError`` of apps.integrations.contract:
- 401 → the token is refreshed once, then ``AuthExpired``;
- 403 for a rate limit (per second or per day) → ``TransientError`` with a wait, and the key is
  blocked for every process for that long; any other 403 → ``ReconnectNeeded``;
- 404 and 410 → ``RemoteGone``; 409 (a stale RowVersion) → ``MyobConflict``;
- 400 → ``MyobValidation`` with MYOB's messages; 429 and 5xx → ``TransientError``.
https://developer.myob.com/api/myob-business-api/api-overview/error-messages
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import requests
from django.conf import settings

from apps.integrations.companies import bearer_headers, company_json
from apps.integrations.contract import (
    AuthExpired,
    PermanentError,
    ReconnectNeeded,
    RemoteGone,
    TransientError,
)
from apps.integrations.limiter import request_slot
from apps.integrations.oauth import (
    Endpoints,
    TokenSet,
    allow_plain_http_for,
    token_call,
    token_session,
)
from apps.integrations.tokens import token_get, token_refresh
from apps.integrations.wire import json_ready

from . import limits

API_VERSION = "v2"


class MyobValidation(PermanentError):
    """A 400: MYOB's ``Errors`` list, each with a Name and Message."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("MYOB refused it: " + "; ".join(messages))
        self.messages = messages


class MyobConflict(PermanentError):
    """A 409: the RowVersion sent is no longer the record's (someone changed it meanwhile).
    https://apisupport.myob.com/hc/en-us/articles/360000497275"""


def api_headers(access_token: str) -> dict:
    return bearer_headers(
        access_token,
        {"x-myobapi-key": settings.MYOB_CLIENT_ID, "x-myobapi-version": API_VERSION},
    )


def error_messages(response: requests.Response) -> list[str]:
    """MYOB's ``{"Errors": [{"Name", "Message", "AdditionalDetails", ...}]}``."""
    try:
        body = response.json()
    except ValueError:
        return [response.text[:200] or f"HTTP {response.status_code}"]
    errors = body.get("Errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors:
        return [str(body)[:200]]
    messages = []
    for error in errors:
        if isinstance(error, dict):
            detail = error.get("AdditionalDetails")
            text = str(error.get("Message") or error.get("Name") or "")
            messages.append(f"{text} ({detail})" if detail else text)
    return messages or [str(body)[:200]]


def answer_of(response: requests.Response, wait: float | None = None) -> dict:
    """JSON of a successful answer (``{}`` when it has no body), or the error the engine needs."""
    status = response.status_code
    if status == 401:
        raise AuthExpired("MYOB refused the access token.")
    if wait is not None:
        raise TransientError("MYOB's rate limit for this app was reached.", retry_after=wait)
    if status == 403:
        raise ReconnectNeeded(
            "MYOB no longer lets this connection into the company file: reconnect the "
            "integration in Settings → Integrations."
        )
    if status in (404, 410):
        raise RemoteGone("The record no longer exists in MYOB.")
    if status == 409:
        raise MyobConflict("MYOB says the record changed meanwhile (RowVersion).")
    if status == 429 or status >= 500:
        raise TransientError(f"MYOB answered HTTP {status}.")
    if status == 400:
        raise MyobValidation(error_messages(response))
    if status >= 400:
        raise PermanentError(f"MYOB answered HTTP {status}: {error_messages(response)[0]}")
    if not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:
        raise TransientError(f"MYOB answered something unreadable (HTTP {status}).") from None
    if not isinstance(body, dict):
        raise TransientError(f"MYOB answered an unexpected body (HTTP {status}).")
    return body


class MyobClient:
    """One integration's company file; refreshes the access token once on a 401."""

    def __init__(self, integration) -> None:
        self.integration = integration
        self.company_file = integration.remote_company_id
        self.base = settings.MYOB_API_BASE.rstrip("/")
        self._access_token: str | None = None
        self._http = requests.Session()
        allow_plain_http_for(self.base)

    def __del__(self) -> None:
        self._http.close()

    @property
    def access_token(self) -> str:
        if self._access_token is None:
            self._access_token = token_get(integration=self.integration, at_provider=token_renew)
        return self._access_token

    def url(self, path: str) -> str:
        return f"{self.base}/{self.company_file}/{path.lstrip('/')}"

    def request(
        self, method: str, path: str, *, params: Mapping | None = None, body: Mapping | None = None
    ) -> dict:
        return answer_of(*self._exchange(method, path, params, body))

    def _exchange(self, method, path, params, body) -> tuple[requests.Response, float | None]:
        """One request, sent again once with a refreshed access token after a 401."""
        for attempt in (1, 2):
            response, wait = self._send(method, path, params, body)
            if response.status_code == 401 and attempt == 1:
                self._access_token = token_refresh(
                    integration=self.integration,
                    rejected_token=self._access_token,
                    at_provider=token_renew,
                )
                continue
            return response, wait
        raise AssertionError("unreachable")

    def _send(self, method, path, params, body) -> tuple[requests.Response, float | None]:
        # Throttled (nothing sent) when the key's limits say wait: apps/integrations/limiter.py
        with request_slot(limits.call_for(self.company_file), wait_up_to=limits.patience()):
            try:
                response = self._http.request(
                    method,
                    self.url(path),
                    params=dict(params or {}),
                    json=json_ready(body) if body is not None else None,
                    headers=api_headers(self.access_token),
                    timeout=limits.REQUEST_TIMEOUT_SECONDS,
                )
            except requests.Timeout as exc:
                raise TransientError("MYOB did not answer in time.") from exc
            except requests.RequestException as exc:
                raise TransientError(f"Could not reach MYOB: {exc}") from exc
        return response, limits.honour(response)

    # --- the calls ------------------------------------------------------------------------
    def get_page(self, path: str, params: Mapping | None = None) -> tuple[list[dict], bool]:
        """One page of a collection: its ``Items`` and whether ``NextPageLink`` says more."""
        answer = self.request("GET", path, params=params)
        rows = answer.get("Items")
        if not isinstance(rows, list):
            raise TransientError(f"MYOB answered {path} without Items.")
        return rows, bool(answer.get("NextPageLink"))

    def get_where(self, path: str, odata_filter: str) -> list[dict]:
        rows, _ = self.get_page(path, {"$filter": odata_filter})
        return rows

    def get_all(self, path: str, odata_filter: str = "") -> list[dict]:
        rows, skip = [], 0
        while True:
            params = {"$top": limits.PULL_PAGE_SIZE, "$skip": skip}
            if odata_filter:
                params["$filter"] = odata_filter
            page, more = self.get_page(path, params)
            rows += page
            if not more or not page:
                return rows
            skip += len(page)

    def get_one(self, path: str, uid: str) -> dict:
        answer = self.request("GET", f"{path}/{uid}")
        if not answer.get("UID"):
            raise TransientError(f"MYOB answered {path} without a UID.")
        return answer

    def create(self, path: str, body: Mapping) -> dict:
        """POST creates and answers 201 Created with the new record's address in ``Location``
        and no body: the record (its UID and RowVersion) is read from there. A POST carries no
        UID and no RowVersion (https://apisupport.myob.com/hc/en-us/articles/4788117269647)."""
        response, wait = self._exchange("POST", path, None, body)
        answer_of(response, wait)
        uid = urlsplit(response.headers.get("Location", "")).path.rstrip("/").rpartition("/")[2]
        if not uid:
            raise TransientError(f"MYOB answered a new {path} without its Location.")
        return self.get_one(path, uid)

    def update(self, path: str, uid: str, body: Mapping) -> dict:
        """PUT replaces the whole record and must carry the RowVersion last read; it answers
        200 without a body, so the record is read again for its new RowVersion.
        https://apisupport.myob.com/hc/en-us/articles/360000497275"""
        self.request("PUT", f"{path}/{uid}", body=body)
        return self.get_one(path, uid)

    def delete(self, path: str, uid: str) -> None:
        self.request("DELETE", f"{path}/{uid}")


# --- connecting: OAuth 2 and the company file an authorization granted -------------------
def oauth_endpoints() -> Endpoints:
    """https://apisupport.myob.com/hc/en-us/articles/360001459455 (authorize, then the token
    endpoint); MYOB offers no token revocation endpoint."""
    return Endpoints(
        client_id=settings.MYOB_CLIENT_ID,
        client_secret=settings.MYOB_CLIENT_SECRET,
        authorize_url=settings.MYOB_AUTHORIZE_URL,
        token_url=settings.MYOB_TOKEN_URL,
        revoke_url="",
        pkce=False,
    )


def token_exchange(
    *, redirect_uri: str, scopes: Sequence[str], code: str, code_verifier: str = ""
) -> TokenSet:
    """MYOB reads client_id and client_secret from the form body (sent with Basic too)."""
    config = oauth_endpoints()
    session = token_session(config, redirect_uri=redirect_uri, scopes=scopes)
    return token_call(
        session.fetch_token,
        config,
        code=code,
        include_client_id=True,
        client_secret=config.client_secret,
    )


def token_renew(refresh_token: str) -> TokenSet:
    """Access tokens last 20 minutes; each refresh answers a new refresh token too, which
    replaces the one spent (tokens.py stores the rotated pair)."""
    config = oauth_endpoints()
    return token_call(
        token_session(config).refresh_token,
        config,
        refresh_token=refresh_token,
        client_id=config.client_id,
        client_secret=config.client_secret,
    )


def token_revoke(refresh_token: str) -> bool:
    """MYOB documents no revocation endpoint: the grant ends when it is not refreshed."""
    return False


def connect_get(path: str, *, access_token: str) -> object:
    """One GET before the company file is connected (the list of company files)."""
    url = f"{settings.MYOB_API_BASE.rstrip('/')}/{path.lstrip('/')}"
    allow_plain_http_for(url)
    headers = api_headers(access_token)
    return company_json(lambda: requests.get(url, headers=headers, timeout=15))
