"""QuickBooks Online: how it is connected (OAuth 2 with discovery) and which company an
authorization granted (CompanyInfo, Preferences). Every request goes through ``client``."""

from __future__ import annotations

from ..companies import CompanyFacts, CompanyUnavailable, country_code
from ..oauth import ProviderOAuth
from . import client

OAUTH = ProviderOAuth(
    scopes=("com.intuit.quickbooks.accounting",),
    endpoints=client.oauth_endpoints,
    exchange=client.token_exchange,
    renew=client.token_renew,
    revoke=client.token_revoke,
)


def company_read(*, access_token: str, callback_params: dict) -> CompanyFacts:
    """The realm comes back on the redirect as ``realmId``.
    https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/companyinfo
    """
    realm = (callback_params.get("realmId") or "").strip()
    if not realm:
        raise CompanyUnavailable(
            "QuickBooks did not say which company was authorised (no realmId)."
        )
    info = client.company_get(realm, f"companyinfo/{realm}", access_token=access_token).get(
        "CompanyInfo"
    )
    if not info:
        raise CompanyUnavailable("QuickBooks did not return the company's details.")
    country = country_code(
        info.get("Country")
        or (info.get("CompanyAddr") or {}).get("Country")
        or (info.get("LegalAddr") or {}).get("Country")
    )
    currency = _currency(info) or _home_currency(realm, access_token)
    return CompanyFacts(
        remote_id=realm,
        name=info.get("CompanyName") or info.get("LegalName") or realm,
        country=country,
        currency=currency,
    )


def _currency(info: dict) -> str:
    value = info.get("HomeCurrency") or info.get("Currency") or ""
    if isinstance(value, dict):
        value = value.get("value", "")
    return str(value).upper()


def _home_currency(realm: str, access_token: str) -> str:
    """CompanyInfo has no currency; Preferences.CurrencyPrefs.HomeCurrency does.
    https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences
    """
    prefs = client.company_get(realm, "preferences", access_token=access_token)
    home = ((prefs.get("Preferences") or {}).get("CurrencyPrefs") or {}).get("HomeCurrency") or {}
    currency = home.get("value", "") if isinstance(home, dict) else str(home)
    if not currency:
        raise CompanyUnavailable("QuickBooks did not return the company's home currency.")
    return currency.upper()
