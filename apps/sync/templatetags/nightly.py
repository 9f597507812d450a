"""``{% nightly_export_status integration %}``: the nightly export's next run and last outcome,
for the integration's settings page (templates/sync/_nightly.html)."""

from __future__ import annotations

from django import template

from apps.sync.nightly import nightly_status

register = template.Library()


@register.inclusion_tag("sync/_nightly.html")
def nightly_export_status(integration):
    return {"integration": integration, "nightly": nightly_status(integration=integration)}
