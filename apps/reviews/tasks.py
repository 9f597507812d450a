"""Celery tasks of review automation: one request's e-mail, and the retry of those left."""

from __future__ import annotations

from celery import shared_task

from . import services

RETRY_TASK = "apps.reviews.tasks.send_review_requests_due"


@shared_task
def send_review_request(pk: int) -> bool:
    return services.review_request_send(pk)


@shared_task
def send_review_requests_due() -> int:
    """Retry the failed sends that are due (and any whose first task was lost)."""
    return sum(services.review_request_send(pk) for pk in services.review_requests_due())
