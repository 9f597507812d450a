"""Celery tasks of the nightly invoice export; beat's database scheduler sends them
(see apps.sync.nightly for the schedule itself)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.integrations.models import Integration

from .models import SyncRun
from .nightly import CATCH_UP_TASK, EXPORT_TASK, nightly_missed, nightly_slot_claim
from .runs import run_picked_up, run_send

EXPORT_NOW_TASK = "sync.export_invoices_now"


@shared_task(name=EXPORT_TASK, ignore_result=True)
def nightly_export(integration_id: int) -> None:
    """Export the integration's waiting invoices for tonight, unless tonight was already served
    (a piled-up delivery, or the catch-up got there first)."""
    from .nightly_export import night_begins

    integration = (
        Integration.objects.select_related("organisation").filter(pk=integration_id).first()
    )
    if integration is None:
        return  # removed since beat sent this
    run = nightly_slot_claim(integration=integration, now=timezone.now())
    if run is None:
        return
    night_begins(integration)
    export_invoices_now(run.pk)


@shared_task(name=CATCH_UP_TASK, ignore_result=True)
def nightly_catch_up() -> None:
    for integration_id in nightly_missed(now=timezone.now()):
        nightly_export.delay(integration_id)


@shared_task(name=EXPORT_NOW_TASK, ignore_result=True)
def export_invoices_now(run_id: int) -> None:
    """One page of the export, into a run already opened (by the schedule, the sweep's resume,
    the benchmark); the next page is queued behind whatever other integrations queued."""
    from .nightly_export import export_page

    run = SyncRun.objects.select_related("integration__organisation").filter(pk=run_id).first()
    if run is None or run.finished_at is not None:
        return
    run_picked_up(run)
    countdown = export_page(run)
    if countdown is not None:
        run_send(export_invoices_now, run, countdown=countdown)
