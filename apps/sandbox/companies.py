"""Sandbox companies (QBO realms, Xero organisations), seeded like the providers' own."""

from __future__ import annotations

import importlib
import secrets
import uuid

from django.db import transaction

from .models import Provider, SandboxCompany

SEEDERS = {
    Provider.QUICKBOOKS: "apps.sandbox.quickbooks.seed",
    Provider.XERO: "apps.sandbox.xero.seed",
    Provider.MYOB: "apps.sandbox.myob.seed",
}
MYOB_COUNTRIES = ("AU", "NZ")
DEFAULT_CURRENCY = {"US": "USD", "CA": "CAD", "GB": "GBP", "AU": "AUD", "NZ": "NZD"}


def company_create(
    *,
    provider: str,
    name: str,
    country: str = "US",
    currency: str = "",
    payroll_enabled: bool = True,
    seed: bool = True,
) -> SandboxCompany:
    """A new company; QBO ones get Intuit's sample data, Xero ones the Xero sandbox's own seed."""
    country = (country or "US").upper()[:2]
    if provider == Provider.MYOB and country not in MYOB_COUNTRIES:
        country = "AU"  # MYOB Business company files are Australian or New Zealand
    currency = (currency or DEFAULT_CURRENCY.get(country, "USD")).upper()[:3]
    if provider == Provider.QUICKBOOKS:
        # Real realm ids are 16 to 19 digits.
        external_id = str(9130000000000000 + secrets.randbelow(10**15))
    else:
        external_id = str(uuid.uuid4())
    with transaction.atomic():
        company = SandboxCompany.objects.create(
            provider=provider,
            external_id=external_id,
            name=name,
            country=country,
            currency=currency,
            payroll_enabled=payroll_enabled,
        )
        if seed:
            _seed(company)
    return company


def _seed(company: SandboxCompany) -> None:
    module = SEEDERS[company.provider]
    try:
        seeder = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return
    seeder.seed_company(company)


def company_payroll_set(*, company: SandboxCompany, enabled: bool) -> SandboxCompany:
    """Turn QuickBooks Payroll on or off; CompanyInfo's PayrollFeature follows."""
    from . import store

    with transaction.atomic():
        company.payroll_enabled = enabled
        company.save(update_fields=["payroll_enabled"])
        info = store.record_get(
            company=company, entity="CompanyInfo", record_id="1", for_update=True
        )
        if info is not None:
            others = [
                pair
                for pair in info.data.get("NameValue", [])
                if pair.get("Name") != "PayrollFeature"
            ]
            pair = {"Name": "PayrollFeature", "Value": str(enabled).lower()}
            store.record_save(
                record=info, data={**info.data, "NameValue": [*others, pair]}, notify=False
            )
    return company


def companies_for(provider: str):
    return SandboxCompany.objects.filter(provider=provider).order_by("name", "pk")
