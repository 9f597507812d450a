"""Celery tasks of the sandboxes (run by beat where a worker is present)."""

from __future__ import annotations

from celery import shared_task

from . import webhooks


@shared_task(name="sandbox.redeliver_webhooks")
def redeliver_webhooks() -> int:
    """Post again every webhook notification whose retry is due."""
    return webhooks.redeliver_due()
