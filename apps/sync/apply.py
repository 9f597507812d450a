"""Pull: one remote record into the hub (docs/sync-rules.md: "Through the hub",
"No echoes", "Payments", "Matching and duplicates").

The hub's records are written only through their apps' services. Customers go through the
customers services (matched by e-mail, then name and phone, before one is created). Invoices and
quotes that originate in an integration are created by ``invoice_import`` / ``quote_import``,
which record the change for every *other* integration; a linked one takes only the fields the
integration changed (``linked_document_apply``, docs/round-trips.md). Payments go through
``payment_record`` with source "integration", which never fans them out. After each write the
source's link holds the hub record's fingerprint, so the record is never echoed back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.common.document_services import DocumentKind
from apps.common.lines import LineInput
from apps.customers.matching import customer_find_match
from apps.customers.models import Customer
from apps.customers.services import customer_create, customer_update
from apps.integrations.contract import RemoteCustomer, RemoteDocument, RemotePayment
from apps.integrations.models import Integration
from apps.invoices.models import Invoice, Payment
from apps.invoices.services import (
    INVOICE,
    invoice_apply_changes,
    invoice_cancel_pulled,
    invoice_import,
    payment_record,
    payment_void,
)
from apps.quotes.models import Quote
from apps.quotes.services import QUOTE, quote_apply_changes, quote_cancel_pulled, quote_import

from . import fingerprints
from .exchanged import difference, form_of
from .fingerprints import fingerprint
from .models import Kind, Link, Side
from .push_one import refingerprint_invoice
from .recorder import queue_for
from .round_trips import plan_adjustment, plan_changes

# Integrations know no titles: a pulled customer leaves the hub's title alone.
CUSTOMER_FIELDS = tuple(name for name in fingerprints.CUSTOMER_FIELDS if name != "title")


UNCHANGED = "Unchanged."


class DocumentServices(NamedTuple):
    """The invoice or quote services the engine writes a document through."""

    kind: DocumentKind
    create: Callable
    apply_changes: Callable
    cancel: Callable


DOCUMENTS = {
    Kind.INVOICE: DocumentServices(
        INVOICE, invoice_import, invoice_apply_changes, invoice_cancel_pulled
    ),
    Kind.QUOTE: DocumentServices(QUOTE, quote_import, quote_apply_changes, quote_cancel_pulled),
}


class Skipped(Exception):
    """The remote record is deliberately not brought in; the message says why."""


def remote_link(integration: Integration, kind: str, remote_id: str) -> Link | None:
    return Link.objects.filter(integration=integration, kind=kind, remote_id=remote_id).first()


def link_pulled(
    integration: Integration,
    kind: str,
    record,
    remote_id: str,
    remote_version: str,
    *,
    exchanged: RemoteDocument | None = None,
    **extra,
) -> Link:
    """Link ``record`` to the remote one it came from, fingerprinted as it now is in the hub
    (and, for a document, with the form the integration holds it in)."""
    values = {
        "remote_id": remote_id,
        "remote_version": remote_version or "",
        "fingerprint": fingerprint(kind, record),
        "synced_at": timezone.now(),
    }
    if exchanged is not None:
        values["exchanged"] = form_of(exchanged)
    link = Link.objects.filter(
        integration=integration, kind=kind, object_id=record.pk, merged_into__isnull=True
    ).first()
    if link is None:
        return Link.objects.create(
            integration=integration,
            kind=kind,
            object_id=record.pk,
            created_by=Side.REMOTE,
            **values,
            **extra,
        )
    for name, value in values.items():
        setattr(link, name, value)
    link.save()
    return link


def customer_apply(integration: Integration, remote: RemoteCustomer) -> tuple[Customer, str]:
    """The hub customer for ``remote``: the linked one (updated), a match, or a new one."""
    with transaction.atomic():
        # One organisation's pulls create customers one at a time, so two integrations bringing
        # in the same person at once cannot both miss the match and create two.
        Organisation.objects.select_for_update().filter(pk=integration.organisation_id).first()
        link = remote_link(integration, Kind.CUSTOMER, remote.remote_id)
        values = {name: getattr(remote, name) or "" for name in CUSTOMER_FIELDS}
        if link is not None:
            customer = Customer.objects.get(pk=link.object_id)
            while customer.merged_into_id:
                customer = customer.merged_into
            if link.remote_name and remote.display_name == link.remote_name:
                del values["display_name"]  # the integration's stand-in name, not a rename
            changed = {k: v for k, v in values.items() if v and getattr(customer, k) != v}
            if changed:
                customer = customer_update(customer=customer, **changed)
            outcome = "Updated." if changed else UNCHANGED
        else:
            customer = customer_find_match(
                organisation=integration.organisation,
                email=remote.email,
                name=remote.display_name,
                phone=remote.phone,
                exclude_ids=Link.objects.filter(
                    integration=integration, kind=Kind.CUSTOMER, merged_into__isnull=True
                ).values("object_id"),
            )
            if customer is not None:
                blanks = {k: v for k, v in values.items() if v and not getattr(customer, k)}
                if blanks:
                    customer = customer_update(customer=customer, **blanks)
                outcome = f"Matched the existing customer {customer.display_name}."
            else:
                customer = customer_create(organisation=integration.organisation, **values)
                outcome = "Created."
        link_pulled(integration, Kind.CUSTOMER, customer, remote.remote_id, remote.remote_version)
    return customer, outcome


def _lines(remote: RemoteDocument) -> list[LineInput]:
    return [
        LineInput(
            description=line.description or line.item_name or "Item",
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            taxable=line.taxable,
        )
        for line in remote.lines
    ]


def document_apply(
    integration: Integration, remote: RemoteDocument, customer: Customer, *, historical=False
) -> tuple[Invoice | Quote, str]:
    """Create or update the hub invoice or quote ``remote`` describes and fan the change out to
    the other integrations (never straight across: through their outbox)."""
    link = remote_link(integration, remote.kind, remote.remote_id)
    if link is not None:
        return linked_document_apply(integration, link, remote, customer)
    services = DOCUMENTS[remote.kind]
    with transaction.atomic():
        document = services.create(
            organisation=integration.organisation,
            number=remote.number or remote.remote_id,
            number_suffix=integration.provider[:3].upper(),
            header={
                "customer": customer,
                "issue_date": remote.issue_date,
                services.kind.end_field: remote.due_date,
                "billing_email": remote.billing_email,
                "currency": remote.currency or integration.currency,
                "discount_percent": remote.discount_percent,
                "tax_rate": remote.tax_rate,
            },
            lines=_lines(remote),
            status=remote.status,
            from_integration=integration,
            historical=historical,
        )
        link_pulled(
            integration,
            remote.kind,
            document,
            remote.remote_id,
            remote.remote_version,
            exchanged=remote,
            imported_history=historical,
        )
    outcome = "Imported from the integration's history." if historical else "Created."
    return document, outcome


def linked_document_apply(
    integration: Integration, link: Link, remote: RemoteDocument, customer: Customer
) -> tuple[Invoice | Quote, str]:
    """Apply to a linked invoice or quote only the fields the integration changed since the
    form last exchanged with it (docs/round-trips.md). A pulled record equal to that form (our
    own push read back) changes nothing and goes nowhere."""
    services = DOCUMENTS[remote.kind]
    model, end = services.kind.model, services.kind.end_field
    with transaction.atomic():
        document = model.objects.select_for_update().get(pk=link.object_id)
        if document.status == "cancelled":
            raise Skipped("Cancelled in the hub; its cancellation goes to the integration.")
        if link.exchanged is None:
            # Linked before forms were kept: this pull becomes the form later ones compare with.
            _link_read(link, remote)
            return document, "Compared for the first time; taken as the starting point."
        diff = difference(link.exchanged, remote)
        if not diff:
            _link_read(link, remote)
            return document, UNCHANGED
        source = integration.get_provider_display()
        plan = plan_changes(
            document, diff, link.exchanged, customer=customer, end_field=end, source=source
        )
        if plan.lossy:
            plan_adjustment(plan, source=source, target_total=remote.total)
        if not plan.applied and not plan.lossy:
            _link_read(link, remote)
            return document, UNCHANGED
        hub_had_news = link.fingerprint != fingerprint(remote.kind, document)
        document = services.apply_changes(
            **{remote.kind: document},
            header=plan.header,
            lines=plan.lines,
            adjustments=plan.adjustments,
            status=plan.status,
            from_integration_id=integration.pk,
        )
        document = model.objects.prefetch_related("lines").get(pk=document.pk)
        link_pulled(
            integration,
            remote.kind,
            document,
            remote.remote_id,
            remote.remote_version,
            exchanged=remote,
        )
        message = _changes_message(plan, source, remote.total)
        if hub_had_news or (not plan.lossy and document.total != remote.total):
            # The integration lacks something the hub holds (its own unsent edit, or its
            # arithmetic over the new values): it is sent the hub's document.
            Link.objects.filter(pk=link.pk).update(fingerprint="")
            queue_for(integration_id=integration.pk, kind=remote.kind, object_id=document.pk)
            message += f" {source} is sent the hub's document, total {document.total}."
    return document, message


def _link_read(link: Link, remote: RemoteDocument) -> None:
    """The integration's newer version of a record the hub already agrees with."""
    link.remote_version = remote.remote_version or link.remote_version
    link.exchanged = form_of(remote)
    link.synced_at = timezone.now()
    link.save(update_fields=["remote_version", "exchanged", "synced_at"])


def _changes_message(plan, source: str, total) -> str:
    message = "Updated: " + "; ".join(plan.applied) + "." if plan.applied else "Updated."
    if plan.lossy:
        what = ", ".join(plan.lossy)
        message += (
            f" {source} changed {what} in a form that cannot be mapped back to the hub's"
            " lines without guessing: the hub kept its lines, discounts and tax rate"
        )
        if plan.adjustment:
            message += f" and added an adjustment line of {plan.adjustment} so that its total"
            message += f" is {source}'s {total}."
        elif plan.adjustment is not None:
            message += f"; its total is {source}'s {total} without an adjustment line."
        else:
            message += f"; no adjustment line could bring its total to {source}'s {total}."
    return message


def document_cancel_apply(integration: Integration, kind: str, remote_id: str) -> str:
    """A voided or deleted remote document: cancel its hub record, and let the other
    integrations that have it cancel theirs."""
    link = remote_link(integration, kind, remote_id)
    if link is None:
        raise Skipped("Not in the hub.")
    services = DOCUMENTS[kind]
    with transaction.atomic():
        document = services.kind.model.objects.get(pk=link.object_id)
        document = services.cancel(**{kind: document}, from_integration_id=integration.pk)
        if document is None:
            return "Already cancelled."
        link_pulled(integration, kind, document, remote_id, link.remote_version)
    return "Cancelled."


def payment_apply(integration: Integration, remote: RemotePayment) -> str:
    """Apply a payment recorded in the integration to the hub invoices it pays. It updates their
    amount paid and status and goes nowhere else
    (docs/sync-rules.md, "Payments")."""
    outcomes = []
    for position, (invoice_remote_id, amount) in enumerate(remote.applied_to):
        remote_id = remote.remote_id if position == 0 else f"{remote.remote_id}#{position}"
        outcomes.append(_payment_part(integration, remote, remote_id, invoice_remote_id, amount))
    if not outcomes:
        raise Skipped("Not applied to an invoice.")
    return " ".join(outcomes)


def _payment_part(integration, remote: RemotePayment, remote_id, invoice_remote_id, amount) -> str:
    existing = remote_link(integration, Kind.PAYMENT, remote_id)
    if existing is not None:
        payment = Payment.objects.get(pk=existing.object_id)
        if remote.voided and not payment.voided:
            with transaction.atomic():
                payment = payment_void(payment=payment)
                refingerprint_invoice(integration, payment.invoice_id)
            return "Payment voided."
        return "Unchanged."
    if remote.voided:
        return "Voided before it reached the hub."
    invoice_link = remote_link(integration, Kind.INVOICE, invoice_remote_id)
    if invoice_link is None:
        raise Skipped("The invoice it pays is not in the hub.")
    invoice = Invoice.objects.get(pk=invoice_link.object_id)
    with transaction.atomic():
        payment = payment_record(
            invoice=invoice,
            amount=amount,
            date=remote.date,
            method=remote.method[:50],
            reference=remote.reference[:100],
            source=Payment.Source.INTEGRATION,
            source_integration=integration,
        )
        link_pulled(integration, Kind.PAYMENT, payment, remote_id, remote.remote_version)
        refingerprint_invoice(integration, payment.invoice_id)
    return f"Payment of {amount} applied to {invoice.number}."
