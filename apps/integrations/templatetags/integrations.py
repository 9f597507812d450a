from __future__ import annotations

from django import template

from ..views import sync_now_url as _sync_now_url

register = template.Library()


@register.simple_tag
def sync_now_url(integration) -> str:
    return _sync_now_url(integration)


@register.filter
def attr_true(obj, name: str) -> bool:
    """``integration|attr_true:"invoices_sync_to"``: read a toggle named at run time."""
    return bool(getattr(obj, name, False))
