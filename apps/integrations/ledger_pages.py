"""A record's own page in the ledger it was synced with ("open in QuickBooks / Xero").

Each provider folder lists its addresses (``quickbooks/web.py``, ``xero/web.py``): the ledger's
page per kind of record, and the sandbox console's page where the local sandbox has one. This
module is the one place that picks the provider's list, so pages never compare provider names.
"""

from __future__ import annotations

from types import ModuleType
from urllib.parse import quote

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from .quickbooks import web as quickbooks_web
from .xero import web as xero_web

PAGES: dict[str, ModuleType] = {"quickbooks": quickbooks_web, "xero": xero_web}


def record_page(integration, *, kind: str, remote_id: str) -> str:
    """The record's page in the integration's ledger, or "" when it has none; with the local
    sandbox served (``SANDBOX_ENABLED``), its page in the sandbox console, or "" there."""
    pages = PAGES.get(integration.provider)
    if pages is None or not remote_id:
        return ""
    if settings.SANDBOX_ENABLED:
        return _sandbox_page(pages.SANDBOX_PAGES.get(kind), integration, remote_id)
    template = pages.PAGES.get(kind)
    return template.format(id=quote(remote_id, safe="")) if template else ""


def _sandbox_page(name: str | None, integration, remote_id: str) -> str:
    if name is None:
        return ""
    try:
        return reverse(name, args=[integration.remote_company_id, remote_id])
    except NoReverseMatch:  # the sandbox's URLs are not installed
        return ""
