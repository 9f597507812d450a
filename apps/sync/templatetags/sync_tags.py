from __future__ import annotations

from django import template

from ..attention import mapping_fix
from ..reporting import sync_activity
from ..selectors import record_links

register = template.Library()


@register.simple_tag
def sync_links(kind: str, record) -> list:
    """``{% sync_links "invoice" invoice as rows %}``: the record in every integration."""
    if record is None or record.pk is None:
        return []
    return record_links(organisation=record.organisation, kind=kind, object_id=record.pk)


@register.inclusion_tag("sync/_activity.html")
def sync_activity_chart(organisation) -> dict:
    """``{% sync_activity_chart organisation %}``: the dashboard's last 30 days of records
    pushed, pulled and failed, one chart per integration, with the numbers as text."""
    return {"activity": sync_activity(organisation=organisation)}


@register.filter
def mapping_fix_of(entry):
    """A held-back Sync Log line's one-click fix when it waits for a mapping, else None."""
    if entry.outcome != "held_back":
        return None
    return mapping_fix(entry.integration_id, entry.message)
