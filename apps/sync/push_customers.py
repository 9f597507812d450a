"""Customers not linked yet: matched in the integration (e-mail, then display name) or created
there, before the documents that need them (docs/sync-rules.md, "Dependencies first" and
"Matching and duplicates"). The push path's only matching rules, for one customer row and for a
page of invoices alike.

Look-ups go through the adapter's ``find_customers`` (the whole customer list when reading it
costs no more requests than looking each up); creates and updates through ``push_customer`` for
one and ``push_customers_batch`` for several. A refusal for a passing reason is the customer's
outcome: what needs it waits its backoff in the queue, never in a worker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from django.utils import timezone

from apps.customers.matching import name_tokens_key, normalise_email, normalise_name
from apps.customers.models import Customer
from apps.integrations.contract import (
    Adapter,
    NewCustomer,
    Pushed,
    ReconnectNeeded,
    SyncError,
    Throttled,
)
from apps.integrations.models import Integration

from .fingerprints import fingerprint
from .models import Kind, Link, Side, SyncLogEntry

# How a customer came to be where it lives in the integration.
CREATED = "created"
UPDATED = "updated"  # matched, and written with the hub's details
MATCHED = "matched"  # matched, left as it is there (or could not be looked for: the error)
DUPLICATE = "duplicate"  # matched a record another hub customer of the same name is linked to

Outcome = Pushed | SyncError | NewCustomer


def one_call(call: Callable[[list], list], items: list) -> list:
    """``call(items)``, one result per item; a refusal of the whole call is every item's. Only a
    reconnect, or the hub's own limiter (nothing was sent), stops the page."""
    try:
        return call(items)
    except (ReconnectNeeded, Throttled):
        raise
    except SyncError as exc:
        return [exc] * len(items)


def customer_key(integration: Integration, customer: Customer) -> str:
    """A customer is created at most once per integration, whichever row brings it first, so
    its key names the integration and the customer only."""
    return f"ll-{integration.pk}-customer-{customer.pk}"[:50]


def customers_resolve(
    adapter: Adapter,
    integration: Integration,
    customers: list[Customer],
    *,
    update_found: bool | None = None,
    inline: bool = True,
) -> Iterator[tuple[Customer, Outcome, str]]:
    """(customer, where it lives now or why it could not be sent, how: ``CREATED`` ...).
    ``NewCustomer`` (only when ``inline``): the adapter creates it inside its first invoice.

    A customer found there is updated with the hub's details when ``update_found`` (by default,
    when Customers Sync to is on); otherwise it is only linked."""
    update_found = integration.customers_sync_to if update_found is None else update_found
    found = _find(adapter, customers)
    owners = _owners(integration, found)
    to_send: list[tuple[Customer, str | None]] = []
    for customer in customers:
        match, others = found.get(customer.pk), owners.get(customer.pk, ())
        if isinstance(match, Pushed) and _someone_else(customer, others):
            match = None  # another business under the same e-mail: not this person
        if isinstance(match, SyncError):
            yield customer, match, MATCHED
        elif isinstance(match, Pushed) and others:
            # Another hub customer's record: writing this one's fields over it would come back
            # into that customer on the next pull. The two are left for merging instead.
            yield customer, match, DUPLICATE
        elif isinstance(match, Pushed) and not update_found:
            yield customer, match, MATCHED
        else:
            to_send.append((customer, match.remote_id if match else None))
    new = [customer for customer, remote_id in to_send if remote_id is None]
    twins = _twins(new)
    inside = _made_with_invoice(adapter, new) - set(twins.values()) if inline else set()
    for customer in new:
        if customer.pk in inside:
            yield customer, NewCustomer(customer), CREATED
    to_send = [(c, remote_id) for c, remote_id in to_send if c.pk not in inside | set(twins)]
    made = {}
    for (customer, remote_id), outcome in zip(
        to_send, customers_send(adapter, integration, to_send), strict=True
    ):
        made[customer.pk] = outcome
        yield customer, outcome, UPDATED if remote_id else CREATED
    for customer in new:
        if customer.pk in twins:  # the same person entered twice: one record there, to merge
            yield customer, made[twins[customer.pk]], DUPLICATE


def _twins(new: list[Customer]) -> dict[int, int]:
    """New customers that are one person entered twice in the hub (the same e-mail and name
    words) → the one of them created for both."""
    first: dict[tuple[str, str], int] = {}
    twins = {}
    for customer in new:
        key = (normalise_email(customer.email), name_tokens_key(customer.display_name))
        twins[customer.pk] = first.setdefault(key, customer.pk)
    return {pk: kept for pk, kept in twins.items() if pk != kept}


def _owners(integration: Integration, found: dict) -> dict[int, list[str]]:
    """Customer id → name keys of the other hub customers linked to the record it matched."""
    matched = {pk: m.remote_id for pk, m in found.items() if isinstance(m, Pushed)}
    if not matched:
        return {}
    links = Link.objects.filter(
        integration=integration, kind=Kind.CUSTOMER, remote_id__in=set(matched.values())
    ).values_list("remote_id", "object_id")
    holders: dict[str, list[int]] = {}
    for remote_id, object_id in links:
        holders.setdefault(remote_id, []).append(object_id)
    names = dict(
        Customer.objects.filter(pk__in={pk for ids in holders.values() for pk in ids}).values_list(
            "pk", "display_name"
        )
    )
    return {
        pk: [
            name_tokens_key(names[o]) for o in holders.get(remote_id, []) if o != pk and o in names
        ]
        for pk, remote_id in matched.items()
    }


def _someone_else(customer: Customer, others: list[str]) -> bool:
    """Whether the record found there is already another hub customer's, under another name.

    Two businesses may share an e-mail address (Intuit's own sample company has such a pair):
    the match is then not this person, who is created in their own right. The same name under
    the same e-mail is one person entered twice in the hub: left for merging, never created."""
    own = name_tokens_key(customer.display_name)
    return any(other != own for other in others)


def _made_with_invoice(adapter: Adapter, new: list[Customer]) -> set[int]:
    """The new customers the adapter can create inside their first invoice. Two of them with
    one name are left to the ordinary create, which tells two people apart
    (docs/sync-rules.md, "Matching and duplicates")."""
    names = Counter(normalise_name(c.display_name) for c in new)
    return {
        c.pk
        for c in new
        if names[normalise_name(c.display_name)] == 1 and adapter.creates_with_invoice(c)
    }


def _find(adapter: Adapter, customers: list[Customer]) -> dict[int, Pushed | SyncError]:
    try:
        return adapter.find_customers(customers)
    except (ReconnectNeeded, Throttled):
        raise
    except SyncError as exc:
        return {customer.pk: exc for customer in customers}


def placed_message(customer: Customer, pushed: Pushed, how: str) -> str:
    """The Sync Log's words for a customer row placed in the integration."""
    if how == UPDATED:
        return "Matched an existing customer in the integration and updated it."
    if how != CREATED:
        return "Matched an existing customer in the integration."
    if pushed.remote_name and pushed.remote_name != customer.display_name:
        return f"Created as “{pushed.remote_name}” (the name was taken by someone else)."
    return "Created."


def duplicate(pushed: Pushed) -> str:
    """Two hub customers matched the same person there: they are duplicates to merge."""
    return (
        f"Matched {pushed.remote_name or pushed.remote_id}, already linked to another hub "
        "customer: merge the duplicates in the hub."
    )


def customers_send(
    adapter: Adapter, integration: Integration, items: list[tuple[Customer, str | None]]
) -> list[Pushed | SyncError]:
    """Create (remote id None) or update each customer: one request for one, batches for
    several."""
    request = [(c, remote_id, customer_key(integration, c)) for c, remote_id in items]
    if len(request) == 1:
        customer, remote_id, key = request[0]
        results = one_call(lambda _: [adapter.push_customer(customer, remote_id, key=key)], request)
    else:
        results = one_call(adapter.push_customers_batch, request) if request else []
    return [r if isinstance(r, (Pushed, SyncError)) else SyncError(str(r)) for r in results]


# --- a page's customers (``Page`` of ``push_batch``) ---------------------------------------
def links_of(integration: Integration, kind: str, object_ids: Sequence[int]) -> dict[int, Link]:
    rows = Link.objects.filter(
        integration=integration, kind=kind, object_id__in=object_ids, merged_into__isnull=True
    )
    return {link.object_id: link for link in rows}


def customers_first(
    page, adapter: Adapter, customers: list[Customer]
) -> dict[int, str | SyncError | NewCustomer]:
    """Remote id (or the error) for each invoice's customer id, linking the customers not linked
    yet: matched in the integration by e-mail then display name, otherwise created
    (docs/sync-rules.md, "Matching and duplicates").
    A customer merged into another stands for the one it was kept as."""
    kept = {customer.pk: kept_as(customer) for customer in customers}
    unique = {customer.pk: customer for customer in kept.values()}
    linked = links_of(page.integration, Kind.CUSTOMER, list(unique))
    remote: dict[int, str | SyncError | NewCustomer] = {
        pk: link.remote_id for pk, link in linked.items()
    }
    missing = [customer for pk, customer in unique.items() if pk not in linked]
    resolved = list(customers_resolve(adapter, page.integration, missing)) if missing else []
    # Two hub customers may match one remote customer (the same e-mail): the first keeps the
    # link, the others still use its id, as the event-driven push does.
    taken = set(
        Link.objects.filter(
            integration=page.integration,
            kind=Kind.CUSTOMER,
            remote_id__in=[o.remote_id for _, o, _ in resolved if isinstance(o, Pushed)],
        ).values_list("remote_id", flat=True)
    )
    for customer, outcome, how in resolved:
        remote[customer.pk] = outcome
        if isinstance(outcome, SyncError | NewCustomer):
            continue
        remote[customer.pk] = outcome.remote_id
        if outcome.remote_id not in taken:
            taken.add(outcome.remote_id)
            link = customer_link(page.integration, customer, outcome, how == CREATED)
            page.new_links.append(link)
        note_customer(page, customer, outcome, how == CREATED)
    return {pk: remote[customer.pk] for pk, customer in kept.items()}


def kept_as(customer: Customer) -> Customer:
    while customer.merged_into_id:
        customer = customer.merged_into
    return customer


def note_customer(
    page, customer: Customer, pushed: Pushed, created: bool, *, with_invoice: bool = False
) -> None:
    if not created:
        message = "Matched an existing customer in the integration."
    elif pushed.remote_name and pushed.remote_name != customer.display_name:
        message = f"Created as “{pushed.remote_name}” (the name was taken by someone else)."
    elif with_invoice:
        message = "Created with its invoice."
    else:
        message = "Created before its invoice."
    page.line(Kind.CUSTOMER, customer.pk, SyncLogEntry.Outcome.PUSHED, message, pushed.remote_id)
    name = "customers_created" if created else "customers_matched"
    page.run.counts[name] = page.run.counts.get(name, 0) + 1


def customer_link(integration: Integration, customer: Customer, pushed: Pushed, created: bool):
    now = timezone.now()
    return Link(
        integration=integration,
        kind=Kind.CUSTOMER,
        object_id=customer.pk,
        remote_id=pushed.remote_id,
        remote_version=pushed.remote_version,
        fingerprint=fingerprint(Kind.CUSTOMER, customer),
        created_by=Side.HUB if created else Side.REMOTE,
        synced_at=now,
    )


def customer_made_with_invoice(page, customer: Customer, made: Pushed) -> None:
    """Link a customer created inside its invoice, once (it may have several on the page)."""
    if customer.pk in page.made_with_invoice:
        return
    page.made_with_invoice.add(customer.pk)
    page.new_links.append(customer_link(page.integration, customer, made, created=True))
    note_customer(page, customer, made, True, with_invoice=True)
