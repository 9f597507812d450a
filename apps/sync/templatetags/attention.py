"""``{% attention_list %}``: the Needs attention list, on the dashboard and the Integrations page
(the apps below the engine show it through this tag, never by importing it)."""

from __future__ import annotations

from django import template

from apps.common.access import organisation_of

from ..attention import attention_items

register = template.Library()


@register.inclusion_tag("sync/_attention.html", takes_context=True)
def attention_list(context) -> dict:
    request = context["request"]
    return {
        "items": attention_items(organisation=organisation_of(request)),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
