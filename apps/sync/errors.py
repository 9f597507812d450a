"""What can go wrong talking to a provider, as the engine needs to tell it apart
(docs/sync-rules.md, "Retries and parking").

Adapters translate every provider answer into one of these; nothing else escapes them.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base class. ``message`` is shown to staff in the Sync Log."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransientError(SyncError):
    """429, 5xx, time-outs, malformed answers: retried with backoff, honouring ``retry_after``."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthExpired(SyncError):
    """401 from the API: refresh the access token once and try again."""


class ReconnectNeeded(SyncError):
    """The refresh token was refused: the integration must be reconnected by a person."""


class PermanentError(SyncError):
    """The provider refused the record (validation): parked, retried on the next sync."""


class RemoteGone(PermanentError):
    """The linked remote record no longer exists (deleted meanwhile)."""


class Throttled(TransientError):
    """The hub's own limiter says wait before this request: nothing was sent. The work goes back
    in the queue as it was (not a failure, no try counted, no Sync Log line) and the task is
    rescheduled ``retry_after`` seconds later instead of sleeping in its worker."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, retry_after=retry_after)
