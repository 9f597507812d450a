"""A record's own page in the ledger it was synced with ("open in QuickBooks / Xero").

Each provider folder lists its addresses (``quickbooks/web.py``, ``xero/web.py``), handed in
through the provider registry: the ledger's page per kind of record, and the sandbox console's
page where the local sandbox has one. Pages never compare provider names.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from . import registry


def record_page(integration, *, kind: str, remote_id: str) -> str:
    """The record's page in the integration's ledger, or "" when it has none; with the local
    sandbox served (``SANDBOX_ENABLED``), its page in the sandbox console, or "" there."""
    try:
        entry = registry.provider(integration.provider)
    except registry.UnknownProvider:
        return ""
    if not remote_id:
        return ""
    if settings.SANDBOX_ENABLED:
        return _sandbox_page(entry.sandbox_pages.get(kind), integration, remote_id)
    template = entry.pages.get(kind)
    return template.format(id=quote(remote_id, safe="")) if template else ""


def _sandbox_page(name: str | None, integration, remote_id: str) -> str:
    if name is None:
        return ""
    try:
        return reverse(name, args=[integration.remote_company_id, remote_id])
    except NoReverseMatch:  # the sandbox's URLs are not installed
        return ""
