"""A few records read by id, for the engine's echo check (docs/pulls.md).

A Xero webhook names a record and the time of the event, not its ``UpdatedDateUTC``. One GET of
the collection filtered by ``IDs`` answers up to 50 named records whole (``page=1`` brings an
invoice's lines), so one that did move is applied from the same answer, instead of a pull
reading every contact, quote, invoice and payment changed since the watermark.
https://developer.xero.com/documentation/api/accounting/invoices (IDs, page)
https://developer.xero.com/documentation/api/accounting/contacts
Credit notes are read by ``where`` on their ids (getCreditNotes documents no ``IDs``).
"""

from __future__ import annotations

from collections.abc import Sequence

from apps.integrations.contract import RemoteChange

from . import mapping

PAGE = 50
# Webhooks exist only for these (quotes and payments are found by the periodic pull).
LISTED = {"customer", "invoice", "credit_note"}


class VersionsMixin:
    def current(self, kind: str, remote_ids: Sequence[str]) -> dict[str, RemoteChange]:
        """Remote id → the record as it is now; a record missing from the answer is left out."""
        if kind not in LISTED:
            return {}
        collection, id_field = mapping.COLLECTION[kind]
        wanted = {remote_id.lower(): remote_id for remote_id in remote_ids}
        found: dict[str, RemoteChange] = {}
        ids = sorted(wanted)
        for start in range(0, len(ids), PAGE):
            group = ids[start : start + PAGE]
            params: dict = {"IDs": ",".join(group)}
            if kind == "credit_note":
                # getCreditNotes takes no IDs parameter: the ids go in ``where`` instead.
                # https://developer.xero.com/documentation/api/accounting/creditnotes
                terms = [f'{id_field}==Guid("{remote_id}")' for remote_id in group]
                params = {"where": " OR ".join(terms)}
            if kind in ("invoice", "credit_note"):
                params["page"] = 1  # with their lines
            for row in self.client.get_list(collection, params):
                if kind == "credit_note" and row.get("Payments"):
                    # Refunds have no webhook of their own: a credit note with refunds is left
                    # out, so that the engine pulls, which reads them.
                    continue
                remote_id = wanted.get(str(row.get(id_field) or "").lower())
                if remote_id is not None:
                    change = self._read(kind, row)
                    found[remote_id] = RemoteChange(kind, remote_id, record=change.record)
        return found
