from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def attr_true(obj, name: str) -> bool:
    """``integration|attr_true:"invoices_sync_to"``: read a toggle named at run time."""
    return bool(getattr(obj, name, False))
