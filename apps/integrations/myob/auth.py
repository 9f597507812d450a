"""MYOB: how it is connected (OAuth 2) and which company file an authorization granted.

The person signs in at MYOB, picks one company file, and MYOB redirects back with the code and
``businessId``: that file's id. One company file per integration; another file is another
authorization. https://nango.dev/docs/api-integrations/myob/how-to-register-your-own-myob-api-oauth-app
(businessId on the redirect); https://apisupport.myob.com/hc/en-us/articles/360001459455

MYOB Business serves Australia and New Zealand; a file's ``Country`` (in the list of company
files, ``GET {MYOB_API_BASE}/``) gives its home currency: AUD or NZD. A file of any other country
is refused here, before the organisation's country and currency are compared with it.
https://developer.myob.com/api/accountright/v2/ (company file list)
"""

from __future__ import annotations

from ..companies import CompanyFacts, CompanyUnavailable, country_code
from ..oauth import ProviderOAuth
from . import client

# MYOB's granular data scopes (keys made since March 2025): the company file, customer cards,
# sales (invoices, quotes, customer payments), items, and the general ledger (tax codes,
# accounts). https://developer.myob.com/api/myob-business-api/api-overview/granular_data_scopes
# https://developer.myob.com/apis/business/api-overview/scopes/contacts/sme-contacts-customer/
# https://developer.myob.com/apis/business/api-overview/scopes/sme-general-ledger/
OAUTH = ProviderOAuth(
    scopes=(
        "sme-company-file",
        "sme-contacts-customer",
        "sme-sales",
        "sme-inventory",
        "sme-general-ledger",
    ),
    endpoints=client.oauth_endpoints,
    exchange=client.token_exchange,
    renew=client.token_renew,
    revoke=client.token_revoke,
)
HOME_CURRENCY = {"AU": "AUD", "NZ": "NZD"}


def company_read(*, access_token: str, callback_params) -> CompanyFacts:
    business_id = str(callback_params.get("businessId") or "").strip()
    if not business_id:
        raise CompanyUnavailable("MYOB did not say which company file was chosen (businessId).")
    files = client.connect_get("/", access_token=access_token)
    chosen = next(
        (
            f
            for f in (files if isinstance(files, list) else [])
            if isinstance(f, dict) and str(f.get("Id", "")).lower() == business_id.lower()
        ),
        None,
    )
    if chosen is None:
        raise CompanyUnavailable("MYOB does not list the chosen company file for this user.")
    country = country_code(chosen.get("Country"))
    if country not in HOME_CURRENCY:
        raise CompanyUnavailable(
            f"The MYOB company file is set up for {country or 'an unknown country'}; "
            "the hub connects MYOB company files of Australia and New Zealand only."
        )
    return CompanyFacts(
        remote_id=str(chosen["Id"]),
        name=str(chosen.get("Name") or business_id),
        country=country,
        currency=HOME_CURRENCY[country],
    )
