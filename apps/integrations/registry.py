"""Every provider the hub connects to, by name: the only module that imports provider folders.

An entry says how to build the provider's adapter, how it is connected (OAuth), how the company
an authorization granted is read, how its webhook bodies are signed and parsed, and what its API
can do (``Capabilities``). The engine and the pages import this module and
``apps.integrations.contract``, never a provider folder, and ask capabilities instead of
comparing provider names. Adding a provider: its folder and one entry below (docs/providers.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings

from . import tokens
from .companies import CompanyFacts
from .contract import Adapter, Capabilities
from .mentions import Mention
from .myob import adapter as myob_adapter
from .myob import auth as myob_auth
from .myob import capabilities as myob_capabilities
from .myob import web as myob_web
from .oauth import ProviderOAuth
from .payloads import Notice
from .quickbooks import adapter as quickbooks_adapter
from .quickbooks import auth as quickbooks_auth
from .quickbooks import capabilities as quickbooks_capabilities
from .quickbooks import notifications as quickbooks_notifications
from .quickbooks import web as quickbooks_web
from .xero import adapter as xero_adapter
from .xero import auth as xero_auth
from .xero import capabilities as xero_capabilities
from .xero import notifications as xero_notifications
from .xero import web as xero_web

if TYPE_CHECKING:
    from .models import Integration


class UnknownProvider(LookupError):
    """No provider of that name is registered."""


@dataclass(frozen=True)
class Webhook:
    """How the provider signs its change notifications and what their bodies look like: the
    header carrying the HMAC-SHA256 of the raw body, the signing key (read from settings when
    a notification arrives) and the parser of the body (``BadPayload`` when it does not fit)."""

    header: str
    key: Callable[[], str]
    parse: Callable[[Any], list[Notice]]
    # A stored event → the record it names, so the engine can tell its own writes' echoes.
    mention: Callable[[dict], Mention]


@dataclass(frozen=True)
class ProviderEntry:
    name: str
    display_name: str
    adapter: Callable[[Integration], Adapter]
    oauth: ProviderOAuth
    # (access_token=, callback_params=) → the company the authorization granted.
    company_reader: Callable[..., CompanyFacts]
    # None for a provider without change notifications (``capabilities.webhooks`` off): its
    # webhook URL is not found, and the engine polls it.
    webhook: Webhook | None
    capabilities: Capabilities
    # The ledger's own web page per kind of record ("open in …"), and the sandbox console's page
    # name where the local sandbox has one: templates with ``{id}``.
    pages: dict[str, str] = field(default_factory=dict)
    sandbox_pages: dict[str, str] = field(default_factory=dict)


PROVIDERS: dict[str, ProviderEntry] = {
    entry.name: entry
    for entry in (
        ProviderEntry(
            name="quickbooks",
            display_name="QuickBooks Online",
            adapter=quickbooks_adapter.QuickBooksAdapter,
            oauth=quickbooks_auth.OAUTH,
            company_reader=quickbooks_auth.company_read,
            webhook=Webhook(
                header="intuit-signature",
                key=lambda: settings.QBO_WEBHOOK_VERIFIER,
                parse=quickbooks_notifications.notices,
                mention=quickbooks_notifications.mention,
            ),
            capabilities=quickbooks_capabilities.CAPABILITIES,
            pages=quickbooks_web.PAGES,
            sandbox_pages=quickbooks_web.SANDBOX_PAGES,
        ),
        ProviderEntry(
            name="xero",
            display_name="Xero",
            adapter=xero_adapter.XeroAdapter,
            oauth=xero_auth.OAUTH,
            company_reader=xero_auth.company_read,
            webhook=Webhook(
                header="x-xero-signature",
                key=lambda: settings.XERO_WEBHOOK_KEY,
                parse=xero_notifications.notices,
                mention=xero_notifications.mention,
            ),
            capabilities=xero_capabilities.CAPABILITIES,
            pages=xero_web.PAGES,
            sandbox_pages=xero_web.SANDBOX_PAGES,
        ),
        ProviderEntry(
            name="myob",
            display_name="MYOB Business",
            adapter=myob_adapter.MyobAdapter,
            oauth=myob_auth.OAUTH,
            company_reader=myob_auth.company_read,
            webhook=None,
            capabilities=myob_capabilities.CAPABILITIES,
            pages=myob_web.PAGES,
            sandbox_pages=myob_web.SANDBOX_PAGES,
        ),
    )
}


def provider(name: str) -> ProviderEntry:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise UnknownProvider(f"No provider {name!r}") from None


def providers() -> list[ProviderEntry]:
    return list(PROVIDERS.values())


def display_names_where(offers: Callable[[Capabilities], bool]) -> str:
    """ "QuickBooks Online" (or "A and B"): the providers whose capabilities ``offers``."""
    return " and ".join(p.display_name for p in PROVIDERS.values() if offers(p.capabilities))


def adapter_for(integration: Integration) -> Adapter:
    """The adapter of the integration's provider (a new one: adapters cache per sync run)."""
    return provider(integration.provider).adapter(integration)


def capabilities_of(integration: Integration) -> Capabilities:
    return provider(integration.provider).capabilities


def token_refresh(*, integration: Integration, rejected_token: str | None = None) -> str:
    """A new access token for the integration, renewed at its provider (after a 401)."""
    renew = provider(integration.provider).oauth.renew
    return tokens.token_refresh(
        integration=integration, rejected_token=rejected_token, at_provider=renew
    )
