"""What a client needs to talk to a sandbox: used by ``manage.py sandbox_credentials``."""

from __future__ import annotations

from django.conf import settings

from . import oauth
from .apps_registry import ensure_default_apps
from .companies import company_create
from .models import Provider, SandboxCompany

DEFAULT_NAMES = {
    Provider.QUICKBOOKS: "Sandbox Company US",
    Provider.XERO: "Demo Company (US)",
    Provider.MYOB: "Clearwater Plumbing (AU)",
}


def credentials_issue(*, provider: str, company_id: str = "", country: str = "US") -> dict:
    """Create the app and a company if needed, then hand out a fresh token pair."""
    app = next(app for app in ensure_default_apps() if app.provider == provider)
    companies = SandboxCompany.objects.filter(provider=provider)
    if company_id:
        company = companies.get(external_id=company_id)
    else:
        company = companies.order_by("pk").first() or company_create(
            provider=provider, name=DEFAULT_NAMES[provider], country=country
        )
    token = oauth.token_issue(app=app, company=company, scope=_scope(provider))
    site = f"{settings.SITE_URL}/sandbox"
    answer = {
        "provider": provider,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "company_name": company.name,
        "refresh_token": token.refresh_token,
        "access_token": token.access_token,
    }
    if provider == Provider.QUICKBOOKS:
        answer |= {
            "realm_id": company.external_id,
            "discovery_url": f"{site}/quickbooks/.well-known/openid_configuration",
            "api_base": f"{site}/quickbooks/v3",
        }
    elif provider == Provider.MYOB:
        answer |= {
            "business_id": company.external_id,
            "authorize_url": f"{site}/myob/oauth2/account/authorize",
            "token_url": f"{site}/myob/oauth2/v1/authorize",
            "api_base": f"{site}/myob/accountright",
        }
    else:
        answer |= {
            "tenant_id": company.external_id,
            "authorize_url": f"{site}/xero/identity/connect/authorize",
            "token_url": f"{site}/xero/identity/connect/token",
            "connections_url": f"{site}/xero/connections",
            "api_base": f"{site}/xero/api.xro/2.0",
        }
    return answer


def _scope(provider: str) -> str:
    if provider == Provider.QUICKBOOKS:
        return "com.intuit.quickbooks.accounting"
    if provider == Provider.MYOB:
        return "sme-company-file sme-contacts-customer sme-sales sme-inventory sme-general-ledger"
    return "offline_access accounting.transactions accounting.contacts accounting.settings"
