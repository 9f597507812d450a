"""``{% sync_progress run %}``: Sync Now's progress bar with its phases and counts."""

from __future__ import annotations

from django import template

from ..progress import run_progress

register = template.Library()


@register.inclusion_tag("sync/_progress.html")
def sync_progress(run) -> dict:
    return {"run": run, "progress": run_progress(run)}
