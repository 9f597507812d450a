"""Creating and updating records, one or many per request, as Xero does it.

By default a request is all or nothing: if any element is refused, nothing is written and the
answer is a 400 ValidationException listing the refused elements. With ``summarizeErrors=false``
every good element is written and the answer is a 200 in which each element says how it went.
https://developer.xero.com/documentation/api/accounting/requests-and-responses#summarize-errors
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from apps.sandbox import store, webhooks
from apps.sandbox.models import SandboxCompany, SandboxRecord

from .banking import BankTransactionKind, BankTransferKind
from .catalog import AccountKind, ItemKind, TaxRateKind
from .contacts import ContactKind, contacts_read_ahead
from .credit_notes import CreditNoteKind
from .errors import Invalid, with_errors
from .fields import check_shape, sanitize
from .invoices import InvoiceKind
from .kinds import Kind
from .payments import PaymentKind
from .quotes import QuoteKind

KINDS: dict[str, Kind] = {
    kind.entity: kind
    for kind in (
        ContactKind(),
        InvoiceKind(),
        CreditNoteKind(),
        QuoteKind(),
        PaymentKind(),
        ItemKind(),
        AccountKind(),
        TaxRateKind(),
        BankTransferKind(),
        BankTransactionKind(),
    )
}


@dataclass
class Outcome:
    """What became of each element, in the order they were sent."""

    elements: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)


def write_elements(
    company: SandboxCompany,
    kind: Kind,
    elements: list[Any],
    *,
    updates: bool,
    path_id: str | None = None,
    summarize: bool = True,
) -> Outcome:
    """Write every element in one transaction; each element in its own savepoint, so a refused
    one leaves nothing behind. With ``summarize`` any refusal rolls the whole request back.
    The contacts its documents make are not read back (``contacts_read_ahead``), and the
    notifications of its changes are stored in one insert (``webhooks.stored_together``)."""
    outcome = Outcome()
    with transaction.atomic(), contacts_read_ahead(company, ()):
        with webhooks.stored_together() as notified:
            _write_each(company, kind, elements, notified, outcome, updates, path_id, summarize)
        if summarize and outcome.refused:
            transaction.set_rollback(True)
    return outcome


def _write_each(company, kind, elements, notified, outcome, updates, path_id, summarize) -> None:
    for index, element in enumerate(elements):
        before = len(notified)
        try:
            with transaction.atomic():
                try:
                    record = write_one(
                        company,
                        kind,
                        element,
                        path=f"{kind.entity}[{index}]",
                        updates=updates,
                        path_id=path_id,
                    )
                except Invalid:
                    del notified[before:]  # the element's changes roll back: nothing to tell
                    raise
            shown = kind.present(company, record)
            if not summarize:
                # Each element says how it went when errors are not summarised.
                shown["StatusAttributeString"] = "OK"
            outcome.elements.append(shown)
        except Invalid as refused:
            shown = with_errors(sanitize(kind.shape, element), refused.messages)
            outcome.elements.append(shown)
            outcome.refused.append(shown)


def write_one(
    company: SandboxCompany,
    kind: Kind,
    element: Any,
    *,
    path: str = "",
    updates: bool = True,
    path_id: str | None = None,
) -> SandboxRecord:
    """Check, build and store one element; the console uses this too, so its changes are the
    API's changes. Raises ``Invalid``."""
    problems = check_shape(kind.shape, element, path or kind.shape)
    if problems:
        raise Invalid(*problems)
    given = {name: value for name, value in element.items() if value is not None}
    if path_id is not None:
        given[kind.id_field] = path_id
    current = kind.find(company, given) if updates or given.get(kind.id_field) else None
    if current is None and given.get(kind.id_field):
        raise Invalid(f"{kind.shape} with {kind.id_field} {given[kind.id_field]} was not found.")
    if current is None:
        data = kind.build(company, given, None)
        record = store.record_create(
            company=company, entity=kind.entity, record_id=data[kind.id_field], data=data
        )
        kind.after_save(company, record, None)
        return record
    before = copy.deepcopy(current.data)
    data = kind.build(company, given, copy.deepcopy(current.data))
    record = store.record_save(record=current, data=data)
    kind.after_save(company, record, before)
    return record
