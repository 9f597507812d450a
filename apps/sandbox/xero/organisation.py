"""The Organisation endpoint: https://developer.xero.com/documentation/api/accounting/organisation"""

from __future__ import annotations

import uuid
from typing import Any

from apps.sandbox.models import SandboxCompany

from .formats import is_guid, ms_date

# Xero's "Version" of an organisation follows its country.
_VERSIONS = {"AU": "AU", "NZ": "NZ", "GB": "UK", "US": "US"}
_TIMEZONES = {
    "AU": "AUSEASTERNSTANDARDTIME",
    "NZ": "NEWZEALANDSTANDARDTIME",
    "GB": "GMTSTANDARDTIME",
    "US": "EASTERNSTANDARDTIME",
    "CA": "EASTERNSTANDARDTIME",
}


def organisation_id(company: SandboxCompany) -> str:
    """The tenant id is the organisation id (a GUID in Xero)."""
    if is_guid(company.external_id):
        return company.external_id.lower()
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"xero-sandbox:{company.external_id}"))


def organisation_json(company: SandboxCompany) -> dict[str, Any]:
    return {
        "OrganisationID": organisation_id(company),
        "APIKey": "",
        "Name": company.name,
        "LegalName": company.name,
        "PaysTax": True,
        "Version": _VERSIONS.get(company.country, "GLOBAL"),
        "OrganisationType": "COMPANY",
        "OrganisationEntityType": "COMPANY",
        "BaseCurrency": company.currency,
        "CountryCode": company.country,
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 12,
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": ms_date(company.created_at),
        "Timezone": _TIMEZONES.get(company.country, "UTC"),
        "ShortCode": f"!{organisation_id(company)[:5]}",
        "Class": "PREMIUM",
        "Edition": "BUSINESS",
        "LineOfBusiness": "Trades and field services",
        "Addresses": [],
        "Phones": [],
        "ExternalLinks": [],
        "PaymentTerms": {},
    }
