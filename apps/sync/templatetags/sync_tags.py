from __future__ import annotations

from django import template

from ..selectors import record_links

register = template.Library()


@register.simple_tag
def sync_links(kind: str, record) -> list:
    """``{% sync_links "invoice" invoice as rows %}``: the record in every integration."""
    if record is None or record.pk is None:
        return []
    return record_links(organisation=record.organisation, kind=kind, object_id=record.pk)
