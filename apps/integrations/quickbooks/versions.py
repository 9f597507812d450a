"""A few records read by id, for the engine's echo check (docs/pulls.md).

A webhook names records and when they changed, never their SyncToken, so a notification of the
hub's own write cannot always be told from an edit by its time alone. One query per entity
answers it for up to 1,000 named records, whole, so one that did move is applied from the same
answer: far less than a change data capture answer carrying every record changed since the
watermark.
https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
"""

from __future__ import annotations

from collections.abc import Sequence

from apps.integrations.contract import RemoteChange

from . import mapping
from .batches import literals

SALES_RECEIPT = "SalesReceipt/"
PAGE = 1000
# Queries answer active customers only unless asked; a deactivated one must still be found.
INACTIVE_TOO = {"Customer": " and Active in (true, false)"}


def _entities(kind: str, remote_ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """Entity → {the entity's own id: the engine's remote id} (a payment may be a receipt)."""
    grouped: dict[str, dict[str, str]] = {}
    for remote_id in remote_ids:
        entity, own_id = mapping.ENTITY[kind], remote_id
        if kind == "payment" and remote_id.startswith(SALES_RECEIPT):
            entity, own_id = "SalesReceipt", remote_id[len(SALES_RECEIPT) :]
        grouped.setdefault(entity, {})[own_id] = remote_id
    return grouped


class VersionsMixin:
    def current(self, kind: str, remote_ids: Sequence[str]) -> dict[str, RemoteChange]:
        """Remote id → the record as it is now; a record missing from the answer is left out."""
        found: dict[str, RemoteChange] = {}
        for entity, ids in _entities(kind, remote_ids).items():
            own_ids = sorted(ids)
            for start in range(0, len(own_ids), PAGE):
                chunk = own_ids[start : start + PAGE]
                rows = self.client.query(
                    f"select * from {entity} where Id in ({literals(chunk)})"
                    f"{INACTIVE_TOO.get(entity, '')} maxresults {PAGE}"
                )
                for row in rows:
                    remote_id = ids.get(str(row.get("Id")))
                    if remote_id is not None:
                        change = self._read(mapping.ENTITY[kind], row)
                        found[remote_id] = RemoteChange(kind, remote_id, record=change.record)
        return found
