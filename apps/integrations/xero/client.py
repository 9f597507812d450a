"""The only place that talks HTTP to Xero's Accounting API: a requests-oauthlib session carrying
the integration's access token, at ``settings.XERO_API_BASE`` (Xero, or the built-in sandbox).

Every answer becomes JSON or a ``SyncError`` of apps.integrations.contract
(docs/sync-rules.md, "Retries and parking").
https://developer.xero.com/documentation/api/accounting/responsecodes
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

import requests
from django.conf import settings
from requests_oauthlib import OAuth2Session

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
    TIMEOUT_SECONDS,
    Endpoints,
    TokenSet,
    allow_plain_http_for,
    revoke_call,
    token_call,
    token_session,
)
from apps.integrations.tokens import token_get, token_refresh
from apps.integrations.wire import environment_read_once, json_ready

from . import limits
from .mapping import UNIT_PLACES, validation_messages

# Collections whose GET, PUT and POST document the ``unitdp`` parameter (xero_accounting.yaml;
# https://developer.xero.com/documentation/api/accounting/invoices). Quotes do not: Xero keeps a
# quote's unit amounts to 2 decimals, so quote lines are priced to 2 (mapping.unit_places_of).
# https://developer.xero.com/documentation/api/accounting/quotes
UNIT_DP_COLLECTIONS = ("Invoices", "CreditNotes", "Items")


class XeroValidation(PermanentError):
    """A 400 ValidationException; ``messages`` lets the adapter recognise a duplicate name."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("Xero refused it: " + "; ".join(messages))
        self.messages = messages


def idempotency_key(key: str) -> str:
    if len(key) <= limits.IDEMPOTENCY_KEY_MAX_LENGTH:
        return key
    return hashlib.sha256(key.encode()).hexdigest()


def answer_of(response: requests.Response) -> dict:
    """JSON of a successful answer, or the error the engine needs."""
    status = response.status_code
    if status == 401:
        raise AuthExpired("Xero refused the access token.")
    if status == 403:
        raise ReconnectNeeded(
            "Xero no longer lets this connection into the organisation: reconnect the "
            "integration in Settings → Integrations."
        )
    if status == 429:
        problem = response.headers.get("X-Rate-Limit-Problem", "rate")
        raise TransientError(
            f"Xero's {problem} limit was reached.", retry_after=limits.retry_after_of(response)
        )
    if status >= 500:
        raise TransientError(f"Xero answered HTTP {status}.")
    if status == 304:
        return {}
    try:
        body = response.json()
    except ValueError:
        raise TransientError(f"Xero answered something unreadable (HTTP {status}).") from None
    if not isinstance(body, dict):
        raise TransientError(f"Xero answered an unexpected body (HTTP {status}).")
    if status == 404:
        raise RemoteGone("The record no longer exists in Xero.")
    if status == 400 and body.get("Type") == "ValidationException":
        elements = body.get("Elements") or []
        messages = [validation_messages(e) for e in elements] or [str(body.get("Message"))]
        raise XeroValidation(messages)
    if status >= 400:
        raise PermanentError(f"Xero answered HTTP {status}: {body.get('Message') or body}")
    return body


class XeroClient:
    """One integration's Xero tenant; refreshes the access token once on a 401."""

    def __init__(self, integration) -> None:
        self.integration = integration
        self.tenant = integration.remote_company_id
        self.base = settings.XERO_API_BASE.rstrip("/")
        self._session: OAuth2Session | None = None
        allow_plain_http_for(self.base)

    @property
    def session(self) -> OAuth2Session:
        if self._session is None:
            session = OAuth2Session(
                settings.XERO_CLIENT_ID,
                token=self._token(token_get(integration=self.integration, at_provider=token_renew)),
            )
            self._session = environment_read_once(session, self.base)
        return self._session

    @staticmethod
    def _token(access_token: str) -> dict:
        return {"access_token": access_token, "token_type": "Bearer"}

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping | None = None,
        body: Mapping | None = None,
        key: str | None = None,
        since: datetime | None = None,
    ) -> dict:
        headers = {"xero-tenant-id": self.tenant, "Accept": "application/json"}
        parts = path.split("/")
        if parts[0] in UNIT_DP_COLLECTIONS and len(parts) <= 2:
            # Four decimals on unit amounts both ways; without it Xero rounds them to two.
            # https://developer.xero.com/documentation/guides/how-to-guides/rounding-in-xero
            params = {**(params or {}), "unitdp": UNIT_PLACES}
        if key:
            headers["Idempotency-Key"] = idempotency_key(key)
        if since is not None:
            headers["If-Modified-Since"] = since.strftime("%Y-%m-%dT%H:%M:%S")
        for attempt in (1, 2):
            response = self._send(method, path, params, body, headers)
            if response.status_code == 401 and attempt == 1:
                rejected = self.session.token.get("access_token")
                fresh = token_refresh(
                    integration=self.integration, rejected_token=rejected, at_provider=token_renew
                )
                self.session.token = self._token(fresh)
                continue
            return answer_of(response)
        raise AssertionError("unreachable")

    def _send(self, method, path, params, body, headers) -> requests.Response:
        # Throttled (nothing sent) when the tenant's or the app's limits say wait: see
        # apps/integrations/limiter.py
        with request_slot(limits.call_for(self.tenant)):
            try:
                response = self.session.request(
                    method,
                    f"{self.base}/{path.lstrip('/')}",
                    params=dict(params or {}),
                    json=json_ready(body) if body is not None else None,
                    headers=headers,
                    timeout=limits.REQUEST_TIMEOUT_SECONDS,
                )
            except requests.Timeout as exc:
                raise TransientError("Xero did not answer in time.") from exc
            except requests.RequestException as exc:
                raise TransientError(f"Could not reach Xero: {exc}") from exc
        limits.honour(self.tenant, response)
        return response

    # --- the calls ------------------------------------------------------------------------
    def elements(self, answer: Mapping, collection: str) -> list[dict]:
        rows = answer.get(collection)
        if not isinstance(rows, list):
            raise TransientError(f"Xero answered without {collection}.")
        return rows

    def get_list(
        self,
        collection: str,
        params: Mapping | None = None,
        since: datetime | None = None,
        *,
        path: str = "",
    ) -> list[dict]:
        answer = self.request("GET", path or collection, params=params, since=since)
        return self.elements(answer, collection) if answer else []

    def get_one(self, collection: str, remote_id: str) -> dict:
        rows = self.get_list(collection, path=f"{collection}/{remote_id}")
        if not rows:
            raise RemoteGone(f"Xero has no {collection} {remote_id}.")
        if rows[0].get("ValidationErrors") and rows[0].get("HasErrors"):
            raise PermanentError(validation_messages(rows[0]))
        return rows[0]

    def create(self, collection: str, element: Mapping, *, key: str) -> dict:
        """PUT creates; the Idempotency-Key makes a repeat return the first answer."""
        answer = self.request("PUT", collection, body={collection: [element]}, key=key)
        return self.elements(answer, collection)[0]

    def update(self, collection: str, remote_id: str, element: Mapping) -> dict:
        answer = self.request("POST", f"{collection}/{remote_id}", body={collection: [element]})
        return self.elements(answer, collection)[0]

    def write_many(
        self, method: str, collection: str, elements: list[dict], *, key: str | None = None
    ) -> list[dict]:
        """Many elements in one request; ``summarizeErrors=false`` answers each on its own."""
        answer = self.request(
            method,
            collection,
            params={"summarizeErrors": "false"},
            body={collection: elements},
            key=key,
        )
        return self.elements(answer, collection)


# --- connecting: OAuth 2 and the organisation an authorization granted -------------------
def oauth_endpoints() -> Endpoints:
    """https://developer.xero.com/documentation/guides/oauth2/pkce-flow"""
    return Endpoints(
        client_id=settings.XERO_CLIENT_ID,
        client_secret=settings.XERO_CLIENT_SECRET,
        authorize_url=settings.XERO_AUTHORIZE_URL,
        token_url=settings.XERO_TOKEN_URL,
        revoke_url=settings.XERO_REVOKE_URL,
        pkce=True,
    )


def token_exchange(
    *, redirect_uri: str, scopes: Sequence[str], code: str, code_verifier: str = ""
) -> TokenSet:
    """The authorization code, with its PKCE verifier, for tokens."""
    config = oauth_endpoints()
    session = token_session(config, redirect_uri=redirect_uri, scopes=scopes)
    extra = {"code_verifier": code_verifier} if code_verifier else {}
    return token_call(session.fetch_token, config, code=code, **extra)


def token_renew(refresh_token: str) -> TokenSet:
    config = oauth_endpoints()
    return token_call(token_session(config).refresh_token, config, refresh_token=refresh_token)


def token_revoke(refresh_token: str) -> bool:
    """https://developer.xero.com/documentation/guides/oauth2/auth-flow/#revoking-tokens"""

    def send(config: Endpoints, auth) -> requests.Response:
        return requests.post(
            config.revoke_url,
            data={"token": refresh_token, "token_type_hint": "refresh_token"},
            auth=auth,
            timeout=TIMEOUT_SECONDS,
        )

    return revoke_call(send, endpoints=oauth_endpoints, refresh_token=refresh_token)


def connect_get(url: str, *, access_token: str, tenant: str = "") -> dict:
    """One GET before the organisation is connected (connections, then Organisation)."""
    headers = bearer_headers(access_token, {"xero-tenant-id": tenant} if tenant else None)
    return company_json(lambda: requests.get(url, headers=headers, timeout=TIMEOUT_SECONDS))
