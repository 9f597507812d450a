"""What the integrations pages show of the sync engine: each integration's latest run and its
waiting and failed outbox rows (docs/architecture.md, "Layers").

The engine sits above this app, so this app never imports it: the engine plugs its reader in
when Django starts (``apps.sync.receivers``). Without one, nothing has run and nothing waits.
"""

from __future__ import annotations

from typing import Any, Protocol


class EngineStatus(Protocol):
    def latest_runs(self, integration_ids: list[int]) -> dict[int, Any]:
        """Each integration's most recent sync run, by integration id."""

    def outbox_counts(self, integration_ids: list[int]) -> dict[int, tuple[int, int, int]]:
        """(waiting, failed, retrying after a transient failure) outbox rows, by integration."""

    def run_failed(self, run: Any) -> bool: ...


class _NothingRan:
    def latest_runs(self, integration_ids: list[int]) -> dict[int, Any]:
        return {}

    def outbox_counts(self, integration_ids: list[int]) -> dict[int, tuple[int, int, int]]:
        return {}

    def run_failed(self, run: Any) -> bool:
        return False


_reader: EngineStatus = _NothingRan()


def engine_status_plug(reader: EngineStatus) -> None:
    """Called once by the sync engine's ``AppConfig.ready``."""
    global _reader
    _reader = reader


def engine_status() -> EngineStatus:
    return _reader
