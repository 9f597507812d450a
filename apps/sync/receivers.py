"""The engine's side of the signals the apps below it send (docs/architecture.md, "Layers").

Connected once, when Django starts (``SyncConfig.ready``): the integrations and customers apps
announce what happened and never import the engine. Each receiver runs in the sender's
transaction; tasks are sent only after it commits.
"""

from __future__ import annotations

import logging

from django.db import transaction

from apps.common import changes
from apps.customers.signals import customer_merge_counted, customer_merging
from apps.integrations import signals as integrations
from apps.integrations.engine_status import engine_status_plug
from apps.integrations.first_sync import first_sync_preview_plug

from . import gather, merges, preview, status
from .models import SyncRun, SyncState
from .nightly import nightly_schedule_update
from .pull import webhook_echoes_settled
from .recorder import record_change
from .services import integration_sync_to_enabled, mapping_holds_release
from .tasks import pull_integration

logger = logging.getLogger(__name__)


def connect() -> None:
    changes.recorder_plug(record_change)
    engine_status_plug(status)
    first_sync_preview_plug(preview.first_sync_preview)
    for signal, receiver in (
        (integrations.integration_connected, first_sync),
        (integrations.integration_first_sync_started, first_sync_started),
        (integrations.integration_settings_saved, nightly_followed),
        (integrations.integration_sync_to_enabled, in_progress_queued),
        (integrations.integration_changes_notified, webhook_pulls),
        (integrations.integration_mapping_saved, mapping_holds_queued),
        (customer_merging, customer_links_move),
        (customer_merge_counted, customer_links_count),
    ):
        signal.connect(receiver, dispatch_uid=f"sync.{receiver.__name__}")


def first_sync(sender, *, integration, **kwargs) -> None:
    """The first sync starts at once rather than at the next periodic pull: records in progress
    go out and, with Sync from on, the company's customers come in. A new company waits for
    staff to click Start after its preview."""
    if integration.waiting_for_start:
        return
    transaction.on_commit(lambda: pull_integration.delay(integration.pk))


def first_sync_started(sender, *, integration, **kwargs) -> None:
    """Start clicked: the hub is compared with the company afresh (a pull that ran while it
    waited compared nothing), then the first sync starts."""
    SyncState.objects.filter(integration=integration).update(caught_up_at=None)
    first_sync(sender, integration=integration)


def nightly_followed(sender, *, integration, **kwargs) -> None:
    """The nightly export's beat schedule follows the timing and time just saved."""
    nightly_schedule_update(integration=integration)


def in_progress_queued(sender, *, integration, kinds, **kwargs) -> None:
    """Sync to took effect: the records still in progress of each kind are queued."""
    for kind in kinds:
        integration_sync_to_enabled(integration=integration, kind=kind)


def mapping_holds_queued(sender, *, integration, **kwargs) -> None:
    """A mapping was saved: what was held back for want of it goes out on the next drain."""
    mapping_holds_release(integration=integration)


def webhook_pulls(sender, *, integration_ids, **kwargs) -> None:
    for integration_id in integration_ids:
        try:
            settled = webhook_echoes_settled(integration_id)
        except Exception:
            # The events are stored already (a redelivery would be refused as seen): the pull
            # must still be queued, and the other integrations served.
            logger.exception("Webhook echo check failed for integration %s", integration_id)
            settled = False
        if settled:
            continue  # the hub's own writes coming back: nothing to read, no task
        # One pull compares every event waiting when it runs: a burst's echoes share it.
        gather.queue(
            pull_integration, gather.WEBHOOK_PULL, integration_id, trigger=SyncRun.Trigger.WEBHOOK
        )


def customer_links_move(sender, *, keep, duplicate, **kwargs) -> dict[str, int]:
    return {"links": merges.customer_links_move(keep=keep, duplicate=duplicate)}


def customer_links_count(sender, *, duplicate_ids, **kwargs) -> dict[str, int]:
    return {"links": merges.customer_links_count(duplicate_ids)}
