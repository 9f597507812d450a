"""What the sync engine is told about integrations (docs/architecture.md, "Layers").

The engine sits above this app: it receives these signals (``apps.sync.receivers``, connected
when Django starts), so this app never imports it. Each is sent synchronously: a receiver runs
in the sender's transaction and schedules its own work after commit.
"""

from __future__ import annotations

from django.dispatch import Signal

# An integration was just connected (or reconnected); kwargs: ``integration``. Sent inside the
# transaction that saved it: the first sync starts once it commits, unless the integration
# waits for staff to click Start (``integration.waiting_for_start``, a new company).
integration_connected = Signal()

# Staff clicked Start on a new connection's preview; kwargs: ``integration``. Sent inside the
# transaction that saved it: the first sync starts once it commits.
integration_first_sync_started = Signal()

# Settings of an integration were saved; kwargs: ``integration``. Sent inside the transaction
# that saved them: the engine's nightly export schedule follows the timing just saved.
integration_settings_saved = Signal()

# Sync to just took effect for these record kinds of a connected integration (a toggle turned
# on, an earlier timesheet start date, a team member newly mapped); kwargs: ``integration`` and
# ``kinds``. Sent inside the transaction that saved it: the engine queues the records still in
# progress of each kind.
integration_sync_to_enabled = Signal()

# Webhooks said that records changed in these integrations; kwargs: ``integration_ids``. Sent
# after the events were stored and committed: the engine pulls each integration.
integration_changes_notified = Signal()

# The account or tax mapping of an integration was saved (docs/mapping.md); kwargs:
# ``integration``. Sent inside the transaction that saved it: the engine queues again the
# records held back for want of a mapping, so they go out on the next drain.
integration_mapping_saved = Signal()
