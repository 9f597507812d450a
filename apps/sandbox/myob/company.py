"""The company file itself: GET /accountright/ (the files a token may use) and GET
/{cf}/Company (its name, country and currency).

Company file fields as MYOB lists them: Id, Name, LibraryPath, ProductVersion, ProductLevel,
CheckedOutDate, CheckedOutBy, Uri, Country, LauncherId, SerialNumber, UIAccessFlags
(https://developer.myob.com/apis/business/v2/, "Step two": UIAccessFlags 3 is AccountRight and
AccountRight Browser). Since March 2025 MYOB also hands the file's id to the redirect URI as
``businessId`` (apisupport.myob.com, "Retrieving Company File GUIDs via MYOB API Post March
2025"); the sandbox does both.
"""

from __future__ import annotations

from django.http import HttpRequest

from apps.sandbox.models import SandboxCompany

from .wire import company_file_uri

COUNTRY_NAMES = {"AU": "Australia", "NZ": "New Zealand"}


def serial_number(company: SandboxCompany) -> str:
    return str(int(company.external_id.replace("-", "")[:10], 16))[:12]


def company_file_json(request: HttpRequest | None, company: SandboxCompany) -> dict:
    return {
        "Id": company.external_id,
        "Name": company.name,
        "LibraryPath": company.name,
        "ProductVersion": "2026.4",
        "ProductLevel": {"Code": 20, "Name": "Plus"},
        "CheckedOutDate": None,
        "CheckedOutBy": None,
        "Uri": company_file_uri(request, company),
        "Country": company.country,
        "LauncherId": company.external_id,
        "SerialNumber": serial_number(company),
        "UIAccessFlags": 3,
    }


def company_json(request: HttpRequest | None, company: SandboxCompany) -> dict:
    return {
        "CompanyName": company.name,
        "SerialNumber": serial_number(company),
        "Country": COUNTRY_NAMES.get(company.country, company.country),
        "CountryCode": company.country,
        "CurrencyCode": company.currency,
        "IsMultiCurrencyEnabled": False,
        "URI": company_file_uri(request, company) + "/Company",
    }
