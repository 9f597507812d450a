"""Links, the change outbox, sync runs and the Sync Log (docs/architecture.md)."""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    QUOTE = "quote", "Quote"
    INVOICE = "invoice", "Invoice"
    PAYMENT = "payment", "Payment"
    ITEM = "item", "Service item"
    TIME_ENTRY = "time_entry", "Time entry"
    PAYOUT = "payout", "Payout"
    CREDIT_NOTE = "credit_note", "Credit note"
    REFUND = "refund", "Refund"


class Side(models.TextChoices):
    HUB = "hub", "Hub"
    REMOTE = "remote", "Integration"


class Link(models.Model):
    """A hub record and its counterpart in one integration."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="links"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    remote_id = models.CharField(max_length=64)
    remote_version = models.CharField(max_length=64, blank=True)  # SyncToken / UpdatedDateUTC
    fingerprint = models.CharField(max_length=64, blank=True)
    # The record as the integration holds it, read in the engine's neutral shape, as it was
    # last exchanged (every push and every applied pull). A pulled record is compared with it
    # field by field, so only what changed there reaches the hub (docs/round-trips.md).
    exchanged = models.JSONField(null=True, blank=True)
    # The name the integration gave the record when it differs from the hub's (QBO refuses a
    # display name another person holds): pulled back, it is not taken as a rename.
    remote_name = models.CharField(max_length=200, blank=True)
    created_by = models.CharField(max_length=10, choices=Side.choices)
    imported_history = models.BooleanField(default=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_links"
    )
    synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "kind", "object_id"],
                condition=models.Q(merged_into__isnull=True),
                name="link_one_per_record",
            ),
            models.UniqueConstraint(
                fields=["integration", "kind", "remote_id"], name="link_one_per_remote"
            ),
        ]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ↔ {self.remote_id}"


class Change(models.Model):
    """Outbox row: record (kind, object_id) must be sent to ``integration``.

    Written in the same transaction as the hub change; drained by a task after commit."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        IN_PROGRESS = "in_progress", "Sending"
        DONE = "done", "Sent"
        HELD_BACK = "held_back", "Held back"
        FAILED = "failed", "Failed"

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    # Refusals by the provider (validation): they space out the retries of a parked row.
    attempts = models.PositiveIntegerField(default=0)
    # Rate limits, 5xx, time-outs, expired tokens: they only lengthen the backoff, never count
    # as tries (docs/outbox.md, "Nothing waits forever").
    transient_failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Set when this row, put back in the queue, took over a newer edit of the same record: a
    # retry under this row's idempotency key may replay the first attempt's answer, so the
    # record is sent once more afterwards under a new key.
    absorbed_newer = models.BooleanField(default=False)
    # When a request carrying this record last left for the integration. A record never sent
    # under any row needs no look-up for a copy an earlier attempt may have made (the nightly
    # export's batches cannot carry one idempotency key per record).
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["integration", "state", "next_attempt_at"])]
        constraints = [
            # One waiting row per record and integration: later edits coalesce into it.
            models.UniqueConstraint(
                fields=["integration", "kind", "object_id"],
                condition=models.Q(state="pending"),
                name="change_one_pending_per_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} → integration {self.integration_id} ({self.state})"


class SyncRun(models.Model):
    class Trigger(models.TextChoices):
        EVENT = "event", "Change in the hub"
        SYNC_NOW = "sync_now", "Sync Now"
        PULL = "pull", "Periodic pull"
        WEBHOOK = "webhook", "Webhook"
        NIGHTLY = "nightly", "Nightly export"
        RETRY = "retry", "Retry"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Some records failed"
        FAILED = "failed", "Failed"
        # The worker running it stopped (killed, lost): closed by the sweep (docs/outbox.md).
        INTERRUPTED = "interrupted", "Interrupted"

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="runs"
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    dry_run = models.BooleanField(default=False)
    counts = models.JSONField(default=dict, blank=True)  # pushed / pulled / held_back / failed
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    # Moved on each saved progress: a running run that has not moved for a claim timeout, on an
    # integration nobody holds, belonged to a worker that died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} of integration {self.integration_id}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class SyncLogEntry(models.Model):
    class Direction(models.TextChoices):
        PUSH = "push", "Hub → integration"
        PULL = "pull", "Integration → hub"

    class Outcome(models.TextChoices):
        PUSHED = "pushed", "Pushed"
        PULLED = "pulled", "Pulled"
        SKIPPED = "skipped", "Unchanged"
        HELD_BACK = "held_back", "Held back"
        FAILED = "failed", "Failed"
        RETRYING = "retrying", "Will retry"
        MERGED = "merged", "Merged"
        # Review automation e-mailed the customer (apps.reviews): not a sync, but caused by one.
        REVIEW_REQUESTED = "review_requested", "Review request sent"

    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL)
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="log_entries"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField(null=True, blank=True)
    remote_id = models.CharField(max_length=64, blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "sync log entries"
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id or ''}: {self.outcome}"


class SyncState(models.Model):
    """Per-integration bookkeeping of the engine: who is draining or pulling it right now, and
    how far the incremental pull has got.

    The claims are rows updated conditionally (never held locks), so a worker killed in the middle
    of a drain leaves a claim that simply expires after ``SYNC_CLAIM_TIMEOUT_SECONDS``."""

    integration = models.OneToOneField(
        "integrations.Integration", on_delete=models.CASCADE, related_name="sync_state"
    )
    drain_token = models.CharField(max_length=32, blank=True)
    drain_claimed_at = models.DateTimeField(null=True, blank=True)
    pull_token = models.CharField(max_length=32, blank=True)
    pull_claimed_at = models.DateTimeField(null=True, blank=True)
    # Someone asked for a drain / pull while one ran: the holder has another one run right after
    # it lets go, so the request is coalesced, never dropped.
    drain_again = models.BooleanField(default=False)
    pull_again = models.BooleanField(default=False)
    # Opaque watermark from the adapter's last PullPage, and when a pull last finished with it
    # (a quiet pull confirms an unchanged one): none for 30 days means a full scan instead of
    # an incremental pull.
    watermark = models.CharField(max_length=200, blank=True)
    watermark_taken_at = models.DateTimeField(null=True, blank=True)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_full_scan_at = models.DateTimeField(null=True, blank=True)
    # When the hub was last compared with the integration (catch-up): a connection or reconnection
    # after this moment is caught up by the next sync (docs/sync-rules.md,
    # "Connecting, disconnecting, reconnecting").
    caught_up_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sync state of {self.integration_id}"
