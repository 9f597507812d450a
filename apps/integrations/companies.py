"""The company (QBO realm / Xero organisation) an authorization just granted: what every
provider's company reader returns, and what they share reading it. Each reader lives in its
provider folder and reaches the provider through its client module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import requests

from .models import Region

COUNTRY_NAMES = {
    "UNITED STATES": "US",
    "USA": "US",
    "CANADA": "CA",
    "AUSTRALIA": "AU",
    "UNITED KINGDOM": "GB",
    "UK": "GB",
    "NEW ZEALAND": "NZ",
    "IRELAND": "IE",
    "SOUTH AFRICA": "ZA",
    "INDIA": "IN",
}


class CompanyUnavailable(Exception):
    """The provider did not return the company the authorization was for."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CompanyFacts:
    remote_id: str
    name: str
    country: str
    currency: str

    @property
    def region(self) -> str:
        return region_for_country(self.country)


def region_for_country(country: str) -> str:
    """Taxes and discounts follow the region
    (docs/sync-rules.md, "Taxes and discounts by region")."""
    if country == "US":
        return Region.US
    if country == "CA":
        return Region.CANADA
    return Region.GLOBAL


def country_code(value: str | None) -> str:
    value = (value or "").strip().upper()
    if len(value) == 2:
        return value
    return COUNTRY_NAMES.get(value, value[:2] if value else "")


def bearer_headers(access_token: str, extra: dict | None = None) -> dict:
    return {
        "Authorization": f"Bearer {access_token}",
        "Accept": "application/json",
        **(extra or {}),
    }


def company_json(send: Callable[[], requests.Response]) -> dict:
    """The JSON of one GET made by ``send`` (the provider's client's request); any failure
    means the company is not there."""
    try:
        response = send()
    except requests.RequestException as exc:
        raise CompanyUnavailable(
            f"The provider could not be reached ({exc.__class__.__name__})."
        ) from exc
    if response.status_code >= 400:
        raise CompanyUnavailable(f"The provider answered HTTP {response.status_code}.")
    try:
        return response.json()
    except ValueError as exc:
        raise CompanyUnavailable("The provider answered with something that is not JSON.") from exc
