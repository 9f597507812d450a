"""The current versions of a few records, for the engine's echo check (docs/pulls.md).

A Xero webhook names a record and the time of the event, not its ``UpdatedDateUTC``. One GET of
the collection filtered by ``IDs`` answers the versions of up to 50 records in one request, and
lighter than a pull: invoices listed without ``page`` come without their lines, contacts are
asked for with ``summaryOnly``.
https://developer.xero.com/documentation/api/accounting/invoices (IDs, summaryOnly)
https://developer.xero.com/documentation/api/accounting/contacts
"""

from __future__ import annotations

from collections.abc import Sequence

from . import mapping

PAGE = 50
# Webhooks exist only for these (quotes and payments are found by the periodic pull).
LISTED = {"customer", "invoice"}


class VersionsMixin:
    def versions(self, kind: str, remote_ids: Sequence[str]) -> dict[str, str]:
        """Remote id → current UpdatedDateUTC; a record missing from the answer is left out."""
        if kind not in LISTED:
            return {}
        collection, id_field = mapping.COLLECTION[kind]
        wanted = {remote_id.lower(): remote_id for remote_id in remote_ids}
        found: dict[str, str] = {}
        ids = sorted(wanted)
        for start in range(0, len(ids), PAGE):
            params = {"IDs": ",".join(ids[start : start + PAGE])}
            if kind == "customer":
                params["summaryOnly"] = "true"
            for row in self.client.get_list(collection, params):
                remote_id = wanted.get(str(row.get(id_field) or "").lower())
                if remote_id is not None and row.get("UpdatedDateUTC"):
                    found[remote_id] = str(row["UpdatedDateUTC"])
        return found
