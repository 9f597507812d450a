"""Creating and editing a quote or an invoice: the steps both take, each described once.

The quote and invoice services pass their ``DocumentKind`` and keep only what is theirs
(their states, sending, converting, payments)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.common.changes import record_change
from apps.common.currencies import ISO_4217, document_currencies
from apps.common.documents import Document
from apps.common.lines import LineInput, apply_header, document_save


@dataclass(frozen=True)
class DocumentKind:
    model: type[Document]
    line_model: type
    parent_field: str  # the line's foreign key to its document
    end_field: str  # due_date / expiry_date
    prefix: str  # INV / QU
    sync_kind: str  # invoice / quote
    editable: tuple[str, ...]
    # The organisation's next number for a prefix (accounts' ``number_allocate``), locked
    # until the caller's transaction ends.
    numbering: Callable[..., str]


def record(kind: DocumentKind, document: Document) -> None:
    record_change(
        organisation_id=document.organisation_id, kind=kind.sync_kind, object_id=document.pk
    )


def record_for_others(kind: DocumentKind, document: Document, from_integration_id: int) -> None:
    """A change that came from an integration goes to every integration but that one, which
    already holds it."""
    record_change(
        organisation_id=document.organisation_id,
        kind=kind.sync_kind,
        object_id=document.pk,
        except_integration_id=from_integration_id,
    )


def require_status(document: Document, allowed: tuple[str, ...], action: str) -> None:
    if document.status not in allowed:
        label = document._meta.verbose_name.capitalize()
        raise ValidationError(
            f"{label} {document.number} is {document.get_status_display().lower()}, "
            f"so it cannot be {action}."
        )


def _save(kind: DocumentKind, document: Document, lines: list[LineInput]) -> None:
    document_save(
        document,
        lines=lines,
        line_model=kind.line_model,
        parent_field=kind.parent_field,
        end_field=kind.end_field,
    )


def require_sendable_currency(document: Document) -> None:
    """Staff's documents are in a currency every connected ledger takes (pulled documents
    keep the ledger's own). A code that is no currency at all is the header check's to refuse."""
    rule = document_currencies(document.organisation)
    if document.currency in ISO_4217 and document.currency not in rule.allowed:
        raise ValidationError({"currency": rule.refusal(document.currency)})


def document_create(
    kind: DocumentKind, *, organisation, lines: list[LineInput], header: dict[str, Any]
) -> Document:
    """A numbered draft with its lines and totals, recorded for sync, in one transaction.
    Without a tax rate it takes the organisation's default."""
    document = kind.model(organisation=organisation)
    header = {"tax_rate": organisation.default_tax_rate, **header}
    apply_header(document, header, end_field=kind.end_field)
    require_sendable_currency(document)
    with transaction.atomic():
        document.number = kind.numbering(
            organisation=organisation, prefix=kind.prefix, model=kind.model
        )
        _save(kind, document, lines)
        record(kind, document)
    return document


def document_update(
    kind: DocumentKind, *, document: Document, lines: list[LineInput], header: dict[str, Any]
) -> Document:
    """New header values and lines for a document still in an editable state."""
    with transaction.atomic():
        document = kind.model.objects.select_for_update().get(pk=document.pk)
        require_status(document, kind.editable, "edited")
        apply_header(document, header, end_field=kind.end_field)
        require_sendable_currency(document)
        _save(kind, document, lines)
        record(kind, document)
    return document


def document_apply_changes(
    kind: DocumentKind,
    *,
    document: Document,
    header: dict[str, Any],
    lines: list[LineInput],
    adjustments: list[LineInput],
    status: str | None,
    from_integration_id: int,
) -> Document:
    """What an integration changed in a linked document, whatever its state (the ledger, not
    staff, changed it): new header values, its whole list of lines, and adjustment lines.

    Recorded for every integration but the one it came from, which already holds it."""
    with transaction.atomic():
        document = kind.model.objects.select_for_update().get(pk=document.pk)
        apply_header(document, header, end_field=kind.end_field)
        if status and status != document.status:
            document.status = status
            if status != "draft" and not document.sent_at:
                document.sent_at = timezone.now()
        document_save(
            document,
            lines=lines,
            adjustments=adjustments,
            line_model=kind.line_model,
            parent_field=kind.parent_field,
            end_field=kind.end_field,
        )
        record_for_others(kind, document, from_integration_id)
    return document


def document_import(
    kind: DocumentKind,
    *,
    organisation,
    number: str,
    number_suffix: str,
    header: dict[str, Any],
    lines: list[LineInput],
    status: str,
    from_integration,
    historical: bool = False,
) -> Document:
    """A document that originates in an integration, with the same validation and totals as
    staff's but as the ledger has it: its number (``number_suffix`` added when the hub already
    uses it), its status, its currency, whatever its state (the staff services refuse what a
    remote record may legitimately be: sent, cancelled, numbered elsewhere).

    Recorded for every integration but the one it came from; one of the integration's
    ``historical`` records (imported history) is kept and sent nowhere."""
    with transaction.atomic():
        document = kind.model(organisation=organisation)
        document.number = _free_number(kind, organisation.pk, number, number_suffix)
        if historical:
            document.imported_from = from_integration
        apply_header(document, header, end_field=kind.end_field)
        _take_status(document, status)
        _save(kind, document, lines)
        if not historical:
            record_for_others(kind, document, from_integration.pk)
    return document


def _free_number(kind: DocumentKind, organisation_id: int, number: str, suffix: str) -> str:
    if not kind.model.objects.filter(organisation_id=organisation_id, number=number).exists():
        return number
    return f"{number}-{suffix}"[:30]


def _take_status(document: Document, status: str) -> None:
    """A status the document does not know arrives as sent."""
    if status not in type(document).Status.values:
        status = "sent"
    now = timezone.now()
    document.status = status
    if status != "draft" and not document.sent_at:
        document.sent_at = now
    if status == "cancelled":
        document.cancelled_at = now


def document_cancel_pulled(
    kind: DocumentKind, *, document: Document, from_integration_id: int
) -> Document | None:
    """A document voided or deleted in an integration is cancelled in the hub, and recorded
    for the other integrations that have it. None when it was already cancelled."""
    with transaction.atomic():
        document = kind.model.objects.select_for_update().get(pk=document.pk)
        if document.status == "cancelled":
            return None
        document.status = "cancelled"
        document.cancelled_at = timezone.now()
        document.save(update_fields=["status", "cancelled_at", "updated_at"])
        record_for_others(kind, document, from_integration_id)
    return document
