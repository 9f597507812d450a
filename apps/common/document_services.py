"""Creating and editing a quote or an invoice: the steps both take, each described once.

The quote and invoice services pass their ``DocumentKind`` and keep only what is theirs
(their states, sending, converting, payments)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.services import number_allocate
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


def record(kind: DocumentKind, document: Document) -> None:
    record_change(
        organisation_id=document.organisation_id, kind=kind.sync_kind, object_id=document.pk
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
        document.number = number_allocate(
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
        record_change(
            organisation_id=document.organisation_id,
            kind=kind.sync_kind,
            object_id=document.pk,
            except_integration_id=from_integration_id,
        )
    return document
