"""Customers not linked yet: matched in the integration (e-mail, then display name) or created
there, before the documents that need them (rules 3 and 10). The push path's only matching
rules, for one customer row and for a page of invoices alike.

Look-ups go through the adapter's ``find_customers`` (the whole customer list when reading it
costs no more requests than looking each up); creates and updates through ``push_customer`` for
one and ``push_customers_batch`` for several. A refusal for a passing reason is the customer's
outcome: what needs it waits its backoff in the queue, never in a worker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from apps.customers.matching import name_tokens_key, normalise_name
from apps.customers.models import Customer
from apps.integrations.models import Integration

from .adapters import Adapter, NewCustomer, Pushed
from .errors import ReconnectNeeded, SyncError, Throttled
from .models import Kind, Link

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
    inside = _made_with_invoice(adapter, new) if inline else set()
    for customer in new:
        if customer.pk in inside:
            yield customer, NewCustomer(customer), CREATED
    to_send = [
        (customer, remote_id) for customer, remote_id in to_send if customer.pk not in inside
    ]
    for (customer, remote_id), outcome in zip(
        to_send, _send(adapter, integration, to_send), strict=True
    ):
        yield customer, outcome, UPDATED if remote_id else CREATED


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
    one name are left to the ordinary create, which tells two people apart (rule 10)."""
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


def _send(
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
