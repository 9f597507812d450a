"""The nightly invoice export's schedule (docs/sync-rules.md, "Timing").

One django-celery-beat ``PeriodicTask`` per integration whose invoice export timing is "nightly",
on a ``CrontabSchedule`` in the organisation's time zone, so beat's database scheduler fires it at
the chosen *local* time and picks up a changed time on its next tick, without a restart.

Every export the scheduler asks for serves one *slot* (the local date and time it was due at) and
records that slot on its SyncRun. Piled-up deliveries of the same night, and the hourly catch-up
that notices a night missed while beat or the workers were down, therefore run it exactly once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from apps.integrations.models import Integration

from .models import SyncRun

EXPORT_TASK = "sync.nightly_export"
CATCH_UP_TASK = "sync.nightly_catch_up"
CATCH_UP_NAME = "Nightly export: catch up missed nights"
# When the time is left empty on the settings page, the export runs at 02:00 local time.
DEFAULT_EXPORT_TIME = time(2, 0)
# A message still queued this long after its night is dropped by the worker instead of run late;
# the catch-up below runs that night once instead.
EXPORT_EXPIRE_SECONDS = 3 * 3600
CATCH_UP_EXPIRE_SECONDS = 50 * 60
# The catch-up leaves the scheduler's own run this long to start before deciding it was missed.
CATCH_UP_GRACE = timedelta(minutes=20)
# A worker whose clock runs slightly behind beat's still serves the night it was sent for.
CLOCK_SKEW = timedelta(minutes=5)
SCHEDULED_FOR = "scheduled_for"  # key in SyncRun.counts


def export_task_name(integration_id: int) -> str:
    return f"Nightly invoice export: integration {integration_id}"


def is_nightly(integration: Integration) -> bool:
    return integration.invoice_export_timing == Integration.ExportTiming.NIGHTLY


def export_time(integration: Integration) -> time:
    return integration.nightly_export_time or DEFAULT_EXPORT_TIME


def org_zone(integration: Integration) -> ZoneInfo:
    return ZoneInfo(integration.organisation.time_zone or "UTC")


@transaction.atomic
def nightly_schedule_update(*, integration: Integration) -> PeriodicTask | None:
    """Create, move or remove the integration's nightly export schedule to match its settings.

    Called whenever the integration's settings are saved. Beat notices the change through
    django-celery-beat's change marker; nothing needs restarting."""
    name = export_task_name(integration.pk)
    if not is_nightly(integration):
        PeriodicTask.objects.filter(name=name).delete()
        return None
    at = export_time(integration)
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(at.minute),
        hour=str(at.hour),
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=str(org_zone(integration)),
    )
    task = PeriodicTask.objects.filter(name=name).first()
    if task is not None and task.crontab_id == crontab.pk and task.enabled:
        return task  # unchanged: keep beat's record of the last run
    now = timezone.now()
    task = task or PeriodicTask(name=name)
    task.task = EXPORT_TASK
    task.kwargs = json.dumps({"integration_id": integration.pk})
    task.interval = task.solar = task.clocked = None
    task.crontab = crontab
    task.expire_seconds = EXPORT_EXPIRE_SECONDS
    task.enabled = True
    # The schedule is in force from now: nights before this moment were never due at this time,
    # so neither beat nor the catch-up runs them.
    task.start_time = now
    task.last_run_at = now
    task.description = (
        f"Exports invoice changes at {at:%H:%M} {crontab.timezone} through the batch API."
    )
    task.save()
    _ensure_catch_up()
    return task


def _ensure_catch_up() -> None:
    every_hour, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.get_or_create(
        name=CATCH_UP_NAME,
        defaults={
            "task": CATCH_UP_TASK,
            "interval": every_hour,
            "expire_seconds": CATCH_UP_EXPIRE_SECONDS,
            "description": "Runs, once, a nightly export whose night passed while nothing ran it.",
        },
    )


def _at_local(day, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def nightly_last_slot(*, integration: Integration, now: datetime) -> datetime:
    """The latest local time the export was due at, at or before ``now`` (aware, org's zone)."""
    zone, at = org_zone(integration), export_time(integration)
    local_now = now.astimezone(zone)
    slot = _at_local(local_now.date(), at, zone)
    if slot > local_now:
        slot = _at_local(local_now.date() - timedelta(days=1), at, zone)
    return slot


def nightly_next_slot(*, integration: Integration, now: datetime) -> datetime:
    zone, at = org_zone(integration), export_time(integration)
    last = nightly_last_slot(integration=integration, now=now)
    return _at_local(last.date() + timedelta(days=1), at, zone)


def _slot_key(slot: datetime) -> str:
    return slot.isoformat()


def slot_served(*, integration: Integration, slot: datetime) -> bool:
    return SyncRun.objects.filter(
        integration=integration,
        trigger=SyncRun.Trigger.NIGHTLY,
        **{f"counts__{SCHEDULED_FOR}": _slot_key(slot)},
    ).exists()


def nightly_slot_claim(*, integration: Integration, now: datetime) -> SyncRun | None:
    """Claim the night due at ``now`` for one export: a running SyncRun carrying its slot, or
    None when another delivery (piled up, or the catch-up) already has it.

    The integration row is locked while checking, so two workers handed the same night at the
    same moment cannot both claim it."""
    with transaction.atomic():
        locked = Integration.objects.select_for_update().select_related("organisation")
        integration = locked.get(pk=integration.pk)
        slot = nightly_last_slot(integration=integration, now=now + CLOCK_SKEW)
        if slot_served(integration=integration, slot=slot):
            return None
        return SyncRun.objects.create(
            integration=integration,
            trigger=SyncRun.Trigger.NIGHTLY,
            counts={SCHEDULED_FOR: _slot_key(slot)},
        )


def nightly_missed(*, now: datetime) -> list[int]:
    """Integrations whose last night passed (plus a grace period) with no export serving it,
    counting only nights after their schedule took effect."""
    missed = []
    tasks = {
        task.name: task for task in PeriodicTask.objects.filter(task=EXPORT_TASK, enabled=True)
    }
    nightly = Integration.objects.filter(
        invoice_export_timing=Integration.ExportTiming.NIGHTLY
    ).select_related("organisation")
    for integration in nightly:
        task = tasks.get(export_task_name(integration.pk))
        if task is None:
            continue
        slot = nightly_last_slot(integration=integration, now=now)
        if task.start_time and slot < task.start_time:
            continue
        if now - slot < CATCH_UP_GRACE:
            continue
        if not slot_served(integration=integration, slot=slot):
            missed.append(integration.pk)
    return missed


@dataclass(frozen=True)
class NightlyStatus:
    """What the integration's settings page says about the nightly export."""

    enabled: bool
    next_run_local: datetime | None
    zone: str
    last_run: SyncRun | None


def nightly_status(*, integration: Integration, now: datetime | None = None) -> NightlyStatus:
    now = now or timezone.now()
    last_run = SyncRun.objects.filter(
        integration=integration, trigger=SyncRun.Trigger.NIGHTLY, dry_run=False
    ).first()
    if not is_nightly(integration):
        return NightlyStatus(False, None, str(org_zone(integration)), last_run)
    return NightlyStatus(
        enabled=True,
        next_run_local=nightly_next_slot(integration=integration, now=now),
        zone=str(org_zone(integration)),
        last_run=last_run,
    )
