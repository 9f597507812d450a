"""What a webhook event names, in the engine's words: which record, and when it changed.

Each provider's ``notifications`` module reads its stored events into ``Mention``; the engine
compares them with its links before reading anything (docs/pulls.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Mention:
    kind: str | None  # the hub's kind ("invoice" ...); None for a record the hub does not pull
    remote_id: str
    at: datetime | None = None  # when the record changed, in the provider's clock
    deleted: bool = False
    # Organisation data the hub keeps per company (tax codes, accounts, items): no pull, but
    # the kept copy is stale.
    reference: bool = False


def moment(value) -> datetime | None:
    """An ISO time from a notification; a time without a zone is UTC (Xero's eventDateUtc)."""
    if not value:
        return None
    try:
        found = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)
