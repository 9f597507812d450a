"""The one door through which hub apps say "this record changed" (docs/outbox.md).

The services of customers, quotes, invoices, payments, catalog and timesheets call
``record_change`` inside the transaction that made the change, so the outbox row commits or
rolls back with it. The sync engine plugs its recorder in when Django starts
(``apps.sync.apps``): the hub apps import nothing of the engine, and the engine's tasks are
scheduled by the engine itself, after commit.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class Recorder(Protocol):
    def __call__(
        self,
        *,
        organisation_id: int,
        kind: str,
        object_id: int,
        except_integration_id: int | None = None,
    ) -> None: ...


_recorder: Recorder | None = None


def recorder_plug(recorder: Recorder) -> None:
    """Called once by the sync engine's ``AppConfig.ready``."""
    global _recorder
    _recorder = recorder


def record_change(
    *, organisation_id: int, kind: str, object_id: int, except_integration_id: int | None = None
) -> None:
    """Queue (kind, object_id) for every connected integration of the organisation that takes
    that kind, in the caller's transaction. ``except_integration_id``: the integration a pulled
    change came from, which already holds it.

    Refuses when no recorder is plugged in: a change saved without its outbox row would never
    be sent, so that must be seen rather than skipped."""
    if _recorder is None:
        raise ImproperlyConfigured("No outbox recorder: is apps.sync in INSTALLED_APPS?")
    _recorder(
        organisation_id=organisation_id,
        kind=kind,
        object_id=object_id,
        except_integration_id=except_integration_id,
    )
