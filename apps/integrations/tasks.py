"""Celery tasks of the integrations app: the daily connection check."""

from __future__ import annotations

from celery import shared_task

WARNINGS_TASK = "apps.integrations.tasks.email_connection_warnings"


@shared_task
def email_connection_warnings() -> int:
    from .warning_emails import warning_emails_send

    return warning_emails_send()
