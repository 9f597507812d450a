"""Remote documents the hub itself created, recognised when a pull meets them unlinked.

A request that created an invoice or quote may be answered after its worker died, or its answer
may be lost: the remote record exists, the hub holds no link to it. A pull that then imported it
would make a second hub document (numbered "…-QUI"), which would in turn be sent to every other
integration. The hub wrote its own document number into the record (QuickBooks DocNumber, Xero
InvoiceNumber / QuoteNumber), and it marks every record before its request leaves
(``Change.sent_at``): a remote document carrying the number of a hub document sent to this
integration and still unlinked there is that document, and is linked, never imported. See
docs/crash-safety.md.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.integrations.contract import RemoteDocument
from apps.integrations.models import Integration
from apps.invoices.models import Invoice
from apps.quotes.models import Quote

from .models import Change, Kind, Link, Side
from .recorder import queue_for

MODELS = {Kind.INVOICE: Invoice, Kind.QUOTE: Quote}


def hub_document_sent_as(integration: Integration, remote: RemoteDocument):
    """The hub invoice or quote ``remote`` was created from, or None: same number, sent to
    this integration, not linked there yet."""
    model = MODELS.get(remote.kind)
    if model is None or not remote.number:
        return None
    document = model.objects.filter(
        organisation_id=integration.organisation_id, number=remote.number
    ).first()
    if document is None:
        return None
    linked = Link.objects.filter(
        integration=integration, kind=remote.kind, object_id=document.pk, merged_into__isnull=True
    ).exists()
    sent = Change.objects.filter(
        integration=integration, kind=remote.kind, object_id=document.pk, sent_at__isnull=False
    ).exists()
    return document if sent and not linked else None


def link_own(integration: Integration, remote: RemoteDocument, document) -> str:
    """Link ``document`` to the copy the integration holds. The copy may predate the hub's
    latest edit, so the link starts with no fingerprint and the document is queued once more
    for this integration: its next push is an update of that very record."""
    with transaction.atomic():
        Link.objects.create(
            integration=integration,
            kind=remote.kind,
            object_id=document.pk,
            remote_id=remote.remote_id,
            remote_version=remote.remote_version or "",
            fingerprint="",
            created_by=Side.HUB,
            synced_at=timezone.now(),
        )
        queue_for(integration_id=integration.pk, kind=remote.kind, object_id=document.pk)
    return (
        f"The hub's own {remote.kind} {document.number}, created by an earlier request whose "
        "answer never arrived: linked, not imported."
    )
