"""What a new connection's first sync will do, shown before staff click Start
(docs/sync-rules.md, "Connecting, disconnecting, reconnecting").

The engine sits above this app, so this app never imports it: the engine plugs its preview in
when Django starts (``apps.sync.receivers``). Without one, the page says nothing can be
previewed and Start still works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Line:
    """One sentence of the preview, with its number apart so the page can set it in bold."""

    count: int
    text: str  # what follows the number: "customers will be added"
    key: str = ""  # stable name for pages and tests: "customers_added"


@dataclass
class FirstSyncPreview:
    incoming: list[Line] = field(default_factory=list)
    outgoing: list[Line] = field(default_factory=list)
    held_back: list[Line] = field(default_factory=list)
    error: str = ""  # the company could not be read: the incoming side is unknown

    def count(self, key: str) -> int:
        lines = [*self.incoming, *self.outgoing, *self.held_back]
        return next((line.count for line in lines if line.key == key), 0)


Previewer = Callable[[Any], FirstSyncPreview]
_previewer: Previewer | None = None


def first_sync_preview_plug(previewer: Previewer) -> None:
    """Called once by the sync engine's ``AppConfig.ready``."""
    global _previewer
    _previewer = previewer


def first_sync_preview(integration) -> FirstSyncPreview | None:
    return _previewer(integration) if _previewer is not None else None
